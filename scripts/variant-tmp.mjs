import { build } from 'esbuild'
const stubs = (process.argv[2] ?? '').split(',').filter(Boolean)
const tiny = process.argv.includes('--tiny')
const plugin = { name: 'stub', setup(b) {
  b.onLoad({ filter: /\.ts$/ }, async (args) => {
    const rel = args.path.slice(process.cwd().length + 1)
    if (stubs.some((s) => new RegExp(s).test(rel))) {
      // export every named export as undefined-ish function
      const fs = await import('node:fs'); const src = fs.readFileSync(args.path, 'utf8')
      const names = [...src.matchAll(/export (?:async )?(?:function|const|class|let) (\w+)/g)].map((m) => m[1])
      return { contents: names.map((n) => `export const ${n} = {}`).join('\n'), loader: 'ts' }
    }
    if (tiny && rel === 'src/app.ts') {
      const fs = await import('node:fs'); return { contents: fs.readFileSync(args.path, 'utf8').replace("from 'hono'", "from 'hono/tiny'"), loader: 'ts' }
    }
  })
  if (process.argv.includes('--novalibot')) b.onResolve({ filter: /^valibot$/ }, () => ({ path: 'v', namespace: 'v' })), b.onLoad({ filter: /.*/, namespace: 'v' }, () => ({ contents: 'export const object={},string={},array={},pipe={},check={},optional={},picklist={},safeParse={},strictObject={},union={},literal={},minLength={},number={},record={},nonEmpty={},boolean={},regex={},integer={},minValue={},unknown={},forward={},partialCheck={},flatten={},rawCheck={},looseObject={},maxLength={},trim={},transform={},nullable={},nullish={},exactOptional={},undefinedable={},custom={},getDotPath={},summarize={},variant={},tuple={},any={},never={},email={},url={},description={},title={},isoDate={},startsWith={},maxValue={},toLowerCase={},hexadecimal={},parse={}', loader: 'js' }))
} }
const r = await build({ entryPoints: ['netlify/functions/invite-bridge.ts'], outfile: '/tmp/variant.mjs', bundle: true, format: 'esm', platform: 'node', target: ['node22'], metafile: true, logLevel: 'error', plugins: [plugin] })
const out = Object.values(r.metafile.outputs)[0]
console.log((out.bytes / 1024).toFixed(1), 'KiB')
