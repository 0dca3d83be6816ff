import type { Logger } from 'pino'

/** One email the server wants sent. */
export interface Mail {
  readonly to: string
  readonly subject: string
  readonly text: string
  /** Why it is sent. */
  readonly kind: 'confirm' | 'reset' | 'already-registered'
  /** The link the mail carries (confirmation or reset URL with `token` and `tokenId`), if any. */
  readonly link?: string
}

/**
 * Sends the local-userpass emails. Plug in your provider (SMTP, Postmark, SES...) through
 * `createServer({ mailer })`; a failing `send` is logged and does not change the answer, so that
 * a mail outage never tells a caller whether an address is registered.
 */
export interface Mailer {
  send(mail: Mail): Promise<void>
}

/**
 * The default mailer: it sends nothing and logs each mail, link included, at `info`, so that a
 * developer can follow the link from the server log. Replace it before going to production.
 */
export const createLogMailer = (logger: Logger): Mailer => ({
  send(mail) {
    logger.info(
      { mail: { to: mail.to, subject: mail.subject, kind: mail.kind, link: mail.link } },
      'mail not sent (no mailer configured); the link is logged instead',
    )
    return Promise.resolve()
  },
})
