import NodeEnvironment from 'jest-environment-node';
import { startEmbeddedAzurite, type RunningAzurite } from '../../runtime/embeddedAzurite';
import { createSandboxPki, type SandboxPki } from '../../sandbox/certificates';

/**
 * What a jest worker keeps for all the test files it runs: jest loads a test environment once per
 * worker, outside the files' module registries, so what this module holds outlives each file.
 * Azurite (2 s of CPU to load through a file's registry) and the sandbox's certificates (six RSA
 * keys, several seconds of CPU) are made once per worker, when a file first asks for them. Files
 * still never see each other's rows: every table a test uses has a name of its own.
 */
export interface WorkerResources {
  azurite(): Promise<RunningAzurite>;
  pki(): Promise<SandboxPki>;
}

let azurite: Promise<RunningAzurite> | undefined;
let pki: Promise<SandboxPki> | undefined;

const resources: WorkerResources = {
  azurite: () => (azurite ??= startEmbeddedAzurite({ port: 0, unref: true })),
  pki: () => (pki ??= createSandboxPki()),
};

export default class WorkerEnvironment extends NodeEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    this.global.testWorker = resources;
  }
}
