import { listen } from '../../../src/local/listen.ts'
import { createSupabaseDouble, type SupabaseDouble } from './double.ts'

export interface ServedSupabaseDouble {
  double: SupabaseDouble
  /** The project URL (`http://127.0.0.1:PORT`): what SUPABASE_URL and supabase-js's createClient take. */
  url: string
  close(): Promise<void>
}

/** Serves the double on loopback only; port 0 picks a free one. */
export async function serveSupabaseDouble(options: { jwtSecret?: string } = {}): Promise<ServedSupabaseDouble> {
  const double = createSupabaseDouble(options)
  const listening = await listen((request, env) => double.app.fetch(request, env), { hostname: '127.0.0.1', port: 0 })
  return { double, url: `http://127.0.0.1:${listening.port}`, close: () => listening.close() }
}
