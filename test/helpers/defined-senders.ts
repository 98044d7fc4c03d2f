/** The README's example of senders defined in the rules file: one on Standard Webhooks, one on a plain HMAC header. */
export const ACME = {
  name: 'acme',
  scheme: 'standard-webhooks',
  secretEnv: 'ACME_WEBHOOK_SECRET',
  eventType: '/type',
  email: '/data/email',
  fullName: '/data/full_name',
  subject: '/data/customer_id',
  occurredAt: '/timestamp',
}
export const CRM = {
  name: 'crm',
  scheme: 'hmac-sha256',
  secretEnv: 'CRM_WEBHOOK_SECRET',
  signatureHeader: 'X-Crm-Signature',
  encoding: 'hex',
  signaturePrefix: 'sha256=',
  idHeader: 'X-Crm-Delivery',
  eventType: '/event',
  email: '/contact/email',
}
