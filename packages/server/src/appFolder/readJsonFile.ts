import { readFile } from 'node:fs/promises'

/** An app folder that cannot be loaded; the message names the file and what is wrong with it. */
export class AppFolderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AppFolderError'
  }
}

/** Reads a JSON file of the app folder; `undefined` when it does not exist. */
export const readJsonFile = async (path: string): Promise<unknown> => {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AppFolderError(`Cannot read ${path}: ${(error as Error).message}`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new AppFolderError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}
