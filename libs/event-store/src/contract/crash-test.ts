import { spawn } from 'node:child_process';
import path from 'node:path';
import { EventStoreConfig } from '../open-event-store';

/**
 * Starts a child process appending single events, kills it with SIGKILL once it has acknowledged
 * at least `minAcks` appends, and returns the event ids it acknowledged before dying.
 */
export function appendUntilKilled(config: EventStoreConfig, streamId: string, minAcks: number, timeoutMs = 20_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'append-child.js'), JSON.stringify(config), streamId], {
      cwd: path.resolve(__dirname, '../../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child acknowledged only ${acked.length} appends in time: ${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        // Lines after the kill may still be in the pipe; they were acknowledged too.
        if (line.startsWith('ack ')) acked.push(line.slice(4));
      }
      if (!killed && acked.length >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(acked);
      else reject(new Error(`child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}
