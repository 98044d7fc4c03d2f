import { Hono } from 'hono'
import { listen } from '../../src/local/listen.ts'

export interface GitHubUserDouble {
  login: string
  email: string | null
  name?: string | null
}

/**
 * A stand-in for api.github.com's `GET /users/{login}` on 127.0.0.1, answering
 * with the REST shape (a public email or null) and recording what it was asked.
 */
export async function serveGitHubApi(users: GitHubUserDouble[]) {
  const requests: Array<{ login: string; authorization: string | undefined }> = []
  let failWith: number | undefined
  const app = new Hono()
  app.get('/users/:login', (c) => {
    const login = c.req.param('login')
    requests.push({ login, authorization: c.req.header('authorization') })
    if (failWith) return c.json({ message: 'Server Error' }, failWith as 500)
    const user = users.find((candidate) => candidate.login.toLowerCase() === login.toLowerCase())
    if (!user) return c.json({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/users/users#get-a-user', status: '404' }, 404)
    return c.json({ login: user.login, id: 583231, type: 'User', name: user.name ?? null, email: user.email, site_admin: false })
  })
  const { port, close } = await listen(app.fetch, { hostname: '127.0.0.1', port: 0 })
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail(status: number | undefined) {
      failWith = status
    },
    close,
  }
}
