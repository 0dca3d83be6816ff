/** Who a successful credential check let in, before a session is opened for them. */
export interface LoginSubject {
  readonly userId: string
  /** The identity used, when the provider has one per user (API keys of users have none). */
  readonly identityId: string | null
  /** The user was created by this login: the user creation function runs. */
  readonly created: boolean
  /** Let in by the anon-user provider. */
  readonly anonymous?: boolean
}
