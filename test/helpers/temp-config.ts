// Writes a config file into a fresh temp directory, for tests that run the real CLI.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function tempConfig(text: string, name = 'portico.yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-config-'))
  const file = join(dir, name)
  await writeFile(file, text)
  return file
}
