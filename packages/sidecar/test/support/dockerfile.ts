/** A Dockerfile read into stages and instructions, enough for tests to check what a build would do. */

export interface Instruction {
  /** Upper case: FROM, COPY, RUN… */
  readonly keyword: string;
  readonly args: string;
}

export interface Copy {
  /** The stage it copies from (`--from=`), or undefined for the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
  readonly copies: readonly Copy[];
  /** The arguments of every instruction with this keyword, in order. */
  arguments(keyword: string): string[];
}

function parseCopy(args: string): Copy {
  const words = args.split(/\s+/).filter((word) => word !== '');
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

export function parseDockerfile(text: string): { readonly stages: readonly Stage[] } {
  const logicalLines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of logicalLines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ from: image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      throw new Error(`Dockerfile: ${instruction.keyword} before the first FROM`);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return {
    stages: stages.map((stage) => ({
      ...stage,
      copies: stage.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args)),
      arguments: (keyword: string) =>
        stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args),
    })),
  };
}
