import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino'

/**
 * The server's structured JSON logger, on stdout unless given another `destination` (tests
 * capture lines that way). Tests pass `silent`.
 */
export const createLogger = (
  level: LevelWithSilent = 'info',
  destination?: DestinationStream,
): Logger => {
  const options = {
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
  }
  return destination ? pino(options, destination) : pino(options)
}
