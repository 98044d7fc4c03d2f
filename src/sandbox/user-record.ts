/** A user as GoTrue serialises it; unset timestamps are absent, as Go's omitempty leaves them. */
export interface SandboxUser {
  id: string
  aud: string
  role: string
  email: string
  confirmed_at?: string
  invited_at?: string
  confirmation_sent_at?: string
  last_sign_in_at?: string
  app_metadata: Record<string, unknown>
  user_metadata: Record<string, unknown> | null
  created_at: string
  updated_at: string
}

/** What the sandbox keeps beside the public user: secrets never leave through the API. */
export interface StoredUser {
  user: SandboxUser
  passwordHash?: string
  /** The invite token until it is used. */
  confirmationToken?: string
  refreshTokens: string[]
}
