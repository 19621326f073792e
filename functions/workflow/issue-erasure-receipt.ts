import { erasureReceiptTasks } from './erasure-receipt-tasks.ts';
import { lambdaReceiptDeps } from './lambda-deps.ts';

export const handler = erasureReceiptTasks(lambdaReceiptDeps()).receipt;
