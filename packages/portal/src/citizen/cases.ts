import type { CaseStatus } from '@lianzheng/protocol';

export const STATUS_COLOURS: Record<CaseStatus, string> = {
  open: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'default',
};
