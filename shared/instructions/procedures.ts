import type { MessageKey, Translator } from '../i18n/translator';
import type { Command, Shell } from './commands';

/**
 * The ways a customer's administrator can run the grant: Microsoft's procedure gives it in Azure
 * PowerShell and in the Azure CLI, and the CLI's quoting depends on the shell it is typed into
 * (learn.microsoft.com/cli/azure/use-azure-cli-successfully-quoting). One tab on the page and one
 * file to download each; their names and how to run them are the catalogues' (`procedure.<id>.*`).
 */
export interface Procedure {
  id: string;
  tool: Command['tool'];
  shell: Shell;
  fileName: string;
}

export const PROCEDURES = [
  { id: 'powershell', tool: 'azPowerShell', shell: 'powershell', fileName: 'grant-owner.ps1' },
  { id: 'cli-bash', tool: 'azureCli', shell: 'bash', fileName: 'grant-owner.sh' },
  { id: 'cli-powershell', tool: 'azureCli', shell: 'powershell', fileName: 'grant-owner-cli.ps1' },
  { id: 'cli-cmd', tool: 'azureCli', shell: 'cmd', fileName: 'grant-owner.cmd' },
] as const satisfies readonly Procedure[];

export type KnownProcedure = (typeof PROCEDURES)[number];
export type ProcedureId = KnownProcedure['id'];

/** A procedure with its words in the customer's language: the tab's name, where it runs, how to run its file. */
export interface ProcedureInWords {
  label: string;
  where: string;
  howToRun: string;
}

export function procedureWords(procedure: Procedure, t: Translator): ProcedureInWords {
  // Every procedure id has its three keys in every catalogue (test/unit/catalogues.test.ts).
  const key = (part: keyof ProcedureInWords) => `procedure.${procedure.id}.${part}` as MessageKey;
  return {
    label: t.text(key('label')),
    where: t.text(key('where')),
    howToRun: t.text(key('howToRun'), { fileName: procedure.fileName }),
  };
}

export function procedureByFileName(fileName: string): KnownProcedure | undefined {
  return PROCEDURES.find((p) => p.fileName === fileName);
}

/** Where the customer's link (`.../api/c/<token>`) serves a procedure as a file. */
export function scriptFileUrl(linkBase: string, procedure: Procedure): string {
  return `${linkBase}/scripts/${procedure.fileName}`;
}
