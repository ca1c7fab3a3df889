/** Answers of the RAM (2015-05-01) and STS (2015-04-01) actions the console calls (docs/api.md). */
export interface WireRamUser {
  readonly UserId: string;
  readonly UserName: string;
  readonly DisplayName?: string;
  readonly Comments?: string;
  readonly CreateDate?: string;
}

export interface WireUserKey {
  readonly AccessKeyId: string;
  readonly Status: 'Active' | 'Inactive';
  readonly CreateDate?: string;
  readonly IsRoot?: boolean;
  readonly Description?: string;
}

export interface WirePolicy {
  readonly PolicyName: string;
  readonly PolicyType: 'System' | 'Custom';
  readonly Description?: string;
  readonly AttachmentCount?: number;
  readonly AttachDate?: string;
  readonly CreateDate?: string;
}

export interface WireRole {
  readonly RoleId: string;
  readonly RoleName: string;
  readonly Arn: string;
  readonly Description?: string;
  readonly AssumeRolePolicyDocument: string;
  readonly MaxSessionDuration: number;
  readonly CreateDate?: string;
}

export interface CallerIdentity {
  readonly AccountId: string;
  readonly Arn: string;
  readonly IdentityType: string;
}
