import { OpenSensorError } from '@opensensor/errors';
import type { PromptInput } from './io.js';

/**
 * Prompts on the process's terminal. Secret answers are not echoed: the readline output is muted
 * while the user types, so a key never lands in the terminal scrollback.
 */
export function terminalPrompt(): PromptInput {
  return async (question, options = {}) => {
    // Imported on the first question, so the CLI's other commands do not load them.
    const [{ createInterface }, { Writable }] = await Promise.all([
      import('node:readline/promises'),
      import('node:stream'),
    ]);
    let muted = false;
    const output = new Writable({
      write(chunk, _encoding, done) {
        if (!muted) process.stdout.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY === true });
    try {
      const pending = rl.question(question);
      muted = options.secret === true;
      const answer = await pending;
      if (muted) process.stdout.write('\n');
      return answer;
    } finally {
      rl.close();
    }
  };
}

/** A question with a default shown in brackets; an empty answer takes the default. */
export async function ask(prompt: PromptInput, question: string, fallback?: string): Promise<string> {
  const answer = (await prompt(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim();
  return answer === '' ? (fallback ?? '') : answer;
}

/** A yes/no question; anything but y/yes/n/no is asked again (at most three times, then the default). */
export async function confirm(prompt: PromptInput, question: string, fallback: boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = (await prompt(`${question} ${fallback ? '[Y/n]' : '[y/N]'}: `)).trim().toLowerCase();
    if (answer === '') return fallback;
    if (answer === 'y' || answer === 'yes') return true;
    if (answer === 'n' || answer === 'no') return false;
  }
  return fallback;
}

/** Asks until `check` accepts the answer (returns undefined) or three attempts fail. */
export async function askValid(
  prompt: PromptInput,
  question: string,
  fallback: string | undefined,
  check: (value: string) => string | undefined,
  onProblem: (problem: string) => void,
): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const value = await ask(prompt, question, fallback);
    const problem = check(value);
    if (problem === undefined) return value;
    onProblem(problem);
  }
  throw new PromptAbortedError(`no valid answer to "${question}" after three attempts`);
}

export class PromptAbortedError extends OpenSensorError {
  override readonly name = 'PromptAbortedError';
  constructor(message: string) {
    super('PROMPT_ABORTED', message);
  }
}
