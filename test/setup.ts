// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions uses.
import '#shared/adapters/local/node-shims.ts';
