import { pino, type Logger, type LevelWithSilent } from 'pino'

/** The server's structured JSON logger. Tests pass `silent`. */
export const createLogger = (level: LevelWithSilent = 'info'): Logger =>
  pino({
    level,
    base: { service: 'custom-data-server' },
    // Tokens and passwords never reach a log line, whatever a handler logs by mistake.
    redact: {
      paths: [
        '*.password',
        '*.token',
        '*.refresh_token',
        '*.access_token',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  })
