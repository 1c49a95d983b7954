/**
 * Reads a response body to its end as UTF-8 text, or stops (destroying the stream) and answers null
 * once it passes `maxBytes`. Always reading to the end is what returns the socket to the pool.
 */
export async function readBody(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
