import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxPki } from './certificates';
import { SandboxState, type SavedState, type SentMail } from './state';

/**
 * A sandbox cloud kept in a folder, so that a restarted sandbox is the same cloud: the same
 * customers, AdminAgents id, webhook registration, role assignments, certificates and keys (tokens
 * and cached ids the app holds stay valid), and the mail it accepted.
 *   keys.json      certificates, token-signing key, ACS access key (written once)
 *   state.json     everything else but the mail, rewritten at most every second when it changed
 *   outbox.jsonl   every mail ACS accepted, appended as it is accepted
 * Like Azurite's own store, a kill -9 of the cloud's process can lose its last second of changes
 * (not mail); a normal stop saves everything.
 */
export interface CloudKeys {
  pki: SandboxPki;
  signerKeyPem: string;
  acsAccessKey: string;
}

export interface SavedCloud {
  keys: CloudKeys;
  state: SandboxState;
}

const KEYS = 'keys.json';
const STATE = 'state.json';
const MAIL = 'outbox.jsonl';

export function loadCloud(dir: string): SavedCloud | undefined {
  if (!existsSync(join(dir, KEYS)) || !existsSync(join(dir, STATE))) return undefined;
  const keys = JSON.parse(readFileSync(join(dir, KEYS), 'utf8')) as CloudKeys;
  const saved = JSON.parse(readFileSync(join(dir, STATE), 'utf8')) as SavedState;
  const mail = existsSync(join(dir, MAIL))
    ? readFileSync(join(dir, MAIL), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SentMail)
    : [];
  return { keys, state: SandboxState.fromSaved(saved, mail) };
}

/** Keeps a cloud's folder up to date from now on. */
export class CloudFolder {
  private last = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly state: SandboxState,
    keys: CloudKeys,
  ) {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, KEYS))) writeFileSync(join(dir, KEYS), JSON.stringify(keys), { mode: 0o600 });
    state.onMail = (mail) => appendFileSync(join(dir, MAIL), `${JSON.stringify(mail)}\n`);
    this.save();
    this.timer = setInterval(() => this.save(), 1000);
    this.timer.unref();
  }

  /** Writes the state when it changed (atomically: a reader never sees half a file). */
  save(): void {
    const text = JSON.stringify(this.state.toSaved());
    if (text === this.last) return;
    writeFileSync(join(this.dir, `${STATE}.tmp`), text);
    renameSync(join(this.dir, `${STATE}.tmp`), join(this.dir, STATE));
    this.last = text;
  }

  close(): void {
    clearInterval(this.timer);
    this.save();
  }
}
