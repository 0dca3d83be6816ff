import { pino, type Logger, type LevelWithSilent } from 'pino'

/** The server's structured JSON logger. Tests pass `silent`. */
export const createLogger = (level: LevelWithSilent = 'info'): Logger =>
  pino({
    level,
    base: { service: 'custom-data-server' },
    // Tokens and passwords never reach a log line, whatever a handler logs by mistake.
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        '*.refresh_token',
        '*.access_token',
        '*.key',
        '*.secret',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  })
