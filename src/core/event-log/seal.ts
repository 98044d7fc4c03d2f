import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { Delivery } from '../domain/delivery.ts'

/**
 * A queued delivery names a person (the address, a name), so it is kept
 * encrypted: AES-256-GCM under a key derived from BRIDGE_ENCRYPTION_KEY or
 * the generated one, with the event's id as associated data, so a sealed
 * delivery moved to another event's record does not open.
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 */
const VERSION = 'v1'

function aesKey(secret: string): Buffer {
  return createHash('sha256').update(`invite-bridge event seal:${secret}`).digest()
}

export function sealDelivery(delivery: Delivery, secret: string, id: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', aesKey(secret), iv)
  cipher.setAAD(Buffer.from(id, 'utf8'))
  const text = Buffer.concat([cipher.update(JSON.stringify(delivery), 'utf8'), cipher.final()])
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), text.toString('base64url')].join('.')
}

/** The delivery, or an Error saying why it does not open (another key, another event, damaged). */
export function openDelivery(sealed: string, secret: string, id: string): Delivery {
  const [version, iv, tag, text] = sealed.split('.')
  if (version !== VERSION || !iv || !tag || text === undefined) throw new Error(`Queued event ${id} is not sealed in a form this bridge reads`)
  try {
    const decipher = createDecipheriv('aes-256-gcm', aesKey(secret), Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(id, 'utf8'))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    const json = Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]).toString('utf8')
    return JSON.parse(json) as Delivery
  } catch (error) {
    throw new Error(`Queued event ${id} does not open: was BRIDGE_ENCRYPTION_KEY changed since it was queued?`, { cause: error })
  }
}
