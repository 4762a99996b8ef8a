/** Finds the principals a resource policy lets in that should not be: anyone (`*`) or another account. */

export interface PolicyExposure {
  /** `*` principals; `conditional` when every such statement carries a Condition that narrows it. */
  readonly publicAccess: 'none' | 'conditional' | 'unconditional';
  /** Account ids other than the secret's own that an Allow statement names. */
  readonly otherAccounts: readonly string[];
}

interface Statement {
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

const ACCOUNT_IN_ARN = /^arn:[\w-]+:(?:iam|sts)::(\d{12}):/;

function principalValues(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (principal && typeof principal === 'object') {
    const aws = (principal as Record<string, unknown>).AWS;
    const values = Array.isArray(aws) ? aws : aws === undefined ? [] : [aws];
    return values.filter((value): value is string => typeof value === 'string');
  }
  return [];
}

export function analysePolicy(policyJson: string, ownAccount: string): PolicyExposure {
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policyJson);
  } catch {
    // An unreadable policy cannot be shown to be safe.
    return { publicAccess: 'unconditional', otherAccounts: [] };
  }
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  let unconditionalStar = false;
  let conditionalStar = false;
  const otherAccounts = new Set<string>();
  for (const statement of statements as Statement[]) {
    if (statement?.Effect !== 'Allow') continue;
    for (const principal of principalValues(statement.Principal)) {
      if (principal === '*') {
        if (statement.Condition) conditionalStar = true;
        else unconditionalStar = true;
        continue;
      }
      const account = /^\d{12}$/.test(principal) ? principal : ACCOUNT_IN_ARN.exec(principal)?.[1];
      if (account && account !== ownAccount) otherAccounts.add(account);
    }
  }
  const publicAccess = unconditionalStar ? 'unconditional' : conditionalStar ? 'conditional' : 'none';
  return { publicAccess, otherAccounts: [...otherAccounts].sort() };
}
