import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSupabaseClient } from '../../src/core/clients/supabase-client.ts'
import { ConfigError } from '../../src/core/domain/errors.ts'
import { startLocalServer } from '../../src/local/start.ts'
import { startTestBridge } from '../helpers/bridge.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { bridgeConfig } from '../helpers/senders.ts'
import { eventOf } from '../helpers/admin-api.ts'
import { apiKey } from '../helpers/invites.ts'

describe('IDENTITY_PROVIDER', () => {
  it('defaults to gotrue, and reads supabase in any case', () => {
    expect(bridgeConfig({}).identity.provider).toBe('gotrue')
    expect(bridgeConfig({ IDENTITY_PROVIDER: ' Supabase ' }).identity.provider).toBe('supabase')
  })

  it('refuses anything else, naming the variable and the values it takes', () => {
    expect(() => bridgeConfig({ IDENTITY_PROVIDER: 'auth0' })).toThrow(ConfigError)
    expect(() => bridgeConfig({ IDENTITY_PROVIDER: 'auth0' })).toThrow('IDENTITY_PROVIDER must be gotrue or supabase (default gotrue), got "auth0"')
  })

  it('names SUPABASE_URL, not its value, when it is not an http(s) URL', () => {
    expect(() => bridgeConfig({ SUPABASE_URL: 'sb_secret_abc' })).toThrow(/^SUPABASE_URL must be an http\(s\) URL/)
    expect(() => bridgeConfig({ SUPABASE_URL: 'sb_secret_abc' })).not.toThrow(/sb_secret_abc/)
  })
})

describe('a bridge on Supabase', () => {
  it("invites through Supabase even when Netlify's runtime offers its own identity", async () => {
    const bridge = await startTestBridge({
      identity: 'supabase',
      deps: async () => ({ runtimeIdentity: () => ({ url: 'http://127.0.0.1:9/.netlify/identity', token: 'runtime-token' }) }),
    })
    try {
      expect(await bridge.deliverStripe(stripeEvent('invoice.paid'))).toMatchObject({ status: 200, outcome: 'invited' })
      expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    } finally {
      await bridge.close()
    }
  })

  it('keeps the service role key out of answers and logs, even when Supabase refuses it', async () => {
    const key = `sb_secret_${crypto.randomUUID()}`
    const adminKey = apiKey()
    const bridge = await startTestBridge({ identity: 'supabase', env: { SUPABASE_SERVICE_ROLE_KEY: key, INVITE_API_KEYS: adminKey } })
    try {
      const event = stripeEvent('invoice.paid')
      // Kept for the bridge's own retries; the event log says why, without the key.
      const answer = await bridge.deliverStripe(event)
      expect(answer).toMatchObject({ status: 202, outcome: 'queued' })
      const entry = await eventOf(bridge.app, adminKey, 'stripe', event.id)
      expect(entry).toMatchObject({ status: 'pending', error: { code: 'identity_auth_failed' } })
      expect(JSON.stringify([answer, entry, bridge.logs])).not.toContain(key)
    } finally {
      await bridge.close()
    }
  })
})

describe('POST /invites with a Supabase access token', () => {
  it('lets a user with the admin role in app_metadata.roles invite, and refuses one without', async () => {
    const bridge = await startTestBridge({ identity: 'supabase' })
    try {
      const admin = createSupabaseClient({ url: bridge.supabase.url, serviceRoleKey: bridge.supabase.double.keys.serviceRoleKey, timeoutMs: 2000 })
      const invitesAs = async (email: string) => {
        const user = await admin.findUserByEmail(email)
        const token = bridge.supabase.double.keys.accessToken({ id: user!.id, email })
        const body = JSON.stringify({ emails: ['new.person@example.com'] })
        return bridge.app.request('/invites', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
      }
      await bridge.idp.inviteDirectly('owner@example.com')
      await bridge.idp.inviteDirectly('member@example.com')
      await admin.setRoles((await admin.findUserByEmail('owner@example.com'))!.id, ['admin'])

      expect((await invitesAs('member@example.com')).status).toBe(403)
      expect((await invitesAs('owner@example.com')).status).toBe(200)
      expect(bridge.invitesTo('new.person@example.com')).toBe(1)
    } finally {
      await bridge.close()
    }
  })
})

describe('npm start with IDENTITY_PROVIDER=supabase', () => {
  it('starts no GoTrue sandbox, and its banner says the key is set without showing it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-supabase-'))
    const key = `sb_secret_${crypto.randomUUID()}`
    const server = await startLocalServer({
      env: { BRIDGE_DATA_DIR: dataDir, PORT: '0', IDENTITY_PROVIDER: 'supabase', SUPABASE_URL: 'https://project.supabase.example', SUPABASE_SERVICE_ROLE_KEY: key },
      print: () => {},
    })
    try {
      expect(server.banner).toContain('  identity: Supabase Auth at https://project.supabase.example/auth/v1 (service role key set)')
      expect(server.banner.join('\n')).not.toContain(key)
      expect((await fetch(`http://127.0.0.1:${server.port}/.netlify/identity/health`)).status).toBe(404)
    } finally {
      await server.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
