// The clients of the live-streams benchmark (scenarios/liveStreams.ts), in a process of their own
// so that the server's memory is measured alone. Told { url, tokens } over IPC, it opens one
// custom-data stream per token, says { opened } once every stream answered `ready`, then reports
// each `token` frame as { seq, at } (the `seq` of the custom data it carries, Date.now()).
import http from 'node:http'

interface Receipt {
  readonly seq: number
  readonly at: number
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
let pending: Receipt[] = []
setInterval(() => {
  if (pending.length > 0) process.send?.({ received: pending })
  pending = []
}, 50).unref()

const open = (url: string, token: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`status ${response.statusCode}`))
          return
        }
        response.setEncoding('utf8')
        let buffer = ''
        response.on('data', (chunk: string) => {
          buffer += chunk
          let at: number
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, at)
            buffer = buffer.slice(at + 2)
            if (frame.startsWith('event: ready')) resolve()
            else if (frame.startsWith('event: token')) {
              const jwt = frame.slice(frame.indexOf('data: ') + 6)
              const claims = JSON.parse(
                Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString(),
              ) as { user_data?: { seq?: number } }
              pending.push({ seq: claims.user_data?.seq ?? -1, at: Date.now() })
            }
          }
        })
      },
    )
    request.on('error', reject)
  })

const openAll = async (url: string, tokens: readonly string[]): Promise<void> => {
  // A few hundred at a time: the server checks each session in the database as it opens.
  for (let i = 0; i < tokens.length; i += 200) {
    await Promise.all(tokens.slice(i, i + 200).map((token) => open(url, token)))
  }
  process.send?.({ opened: tokens.length })
}

process.on('message', (message: { url: string; tokens: string[] }) => {
  void openAll(message.url, message.tokens)
})
