import type { Command, Shell } from './commands';

/**
 * The ways a customer's administrator can run the grant: Microsoft's procedure gives it in Azure
 * PowerShell and in the Azure CLI, and the CLI's quoting depends on the shell it is typed into
 * (learn.microsoft.com/cli/azure/use-azure-cli-successfully-quoting). One tab on the page and one
 * file to download each.
 */
export interface Procedure {
  id: string;
  tool: Command['tool'];
  shell: Shell;
  /** The tab's name. */
  label: string;
  /** Where it runs, in words. */
  where: string;
  fileName: string;
  /** How to run the downloaded file, in words. */
  howToRun: string;
}

export const PROCEDURES = [
  {
    id: 'powershell',
    tool: 'azPowerShell',
    shell: 'powershell',
    label: 'Azure PowerShell',
    where:
      'PowerShell with the Az modules: Windows PowerShell 5.1 or PowerShell 7 on Windows, Linux or macOS, or Azure Cloud Shell (PowerShell).',
    fileName: 'grant-owner.ps1',
    howToRun:
      'Run it in PowerShell with .\\grant-owner.ps1; if PowerShell refuses to run scripts on this computer (its execution policy), paste the commands below one by one instead.',
  },
  {
    id: 'cli-bash',
    tool: 'azureCli',
    shell: 'bash',
    label: 'Azure CLI in Bash',
    where: 'The Azure CLI in Bash: Linux, macOS, Windows Subsystem for Linux, or Azure Cloud Shell (Bash).',
    fileName: 'grant-owner.sh',
    howToRun: 'Run it with bash grant-owner.sh.',
  },
  {
    id: 'cli-powershell',
    tool: 'azureCli',
    shell: 'powershell',
    label: 'Azure CLI in PowerShell',
    where: 'The Azure CLI in Windows PowerShell or PowerShell 7, on Windows.',
    fileName: 'grant-owner-cli.ps1',
    howToRun:
      'Run it in PowerShell with .\\grant-owner-cli.ps1; if PowerShell refuses to run scripts on this computer (its execution policy), paste the commands below one by one instead.',
  },
  {
    id: 'cli-cmd',
    tool: 'azureCli',
    shell: 'cmd',
    label: 'Azure CLI in Command Prompt',
    where: 'The Azure CLI in the Windows Command Prompt (cmd.exe).',
    fileName: 'grant-owner.cmd',
    howToRun: 'Run it at the Command Prompt with grant-owner.cmd.',
  },
] as const satisfies readonly Procedure[];

export type KnownProcedure = (typeof PROCEDURES)[number];
export type ProcedureId = KnownProcedure['id'];

export function procedureByFileName(fileName: string): KnownProcedure | undefined {
  return PROCEDURES.find((p) => p.fileName === fileName);
}

/** Where the customer's link (`.../api/c/<token>`) serves a procedure as a file. */
export function scriptFileUrl(linkBase: string, procedure: Procedure): string {
  return `${linkBase}/scripts/${procedure.fileName}`;
}
