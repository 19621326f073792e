/**
 * API Gateway's Lambda authorizer of the console's routes: admits a call
 * whose `__Host-wasure_id` cookie holds an ID token of the console's user
 * pool and app client that verifies (the console function verifies it
 * again and reads the groups). Nothing else is read; nothing is logged.
 */
import { ID_COOKIE } from './cognito-auth.ts';
import { consoleClient } from './cognito-verifier.ts';

/** The part of an HTTP API (payload 2.0) authorizer event read here. */
export interface AuthorizerEvent {
  readonly cookies?: readonly string[];
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** The ID token in the event's cookies, or undefined. */
export function idTokenOf(event: AuthorizerEvent): string | undefined {
  const cookies = event.cookies ?? (event.headers?.cookie ?? '').split(';');
  for (const cookie of cookies) {
    const [name, ...value] = cookie.trim().split('=');
    if (name === ID_COOKIE) return value.join('=');
  }
  return undefined;
}

/** An authorizer over a verifier (simple responses). */
export function authorizer(verify: (token: string) => Promise<unknown>) {
  return async (event: AuthorizerEvent): Promise<{ isAuthorized: boolean }> => {
    const token = idTokenOf(event);
    if (token === undefined || token === '') return { isAuthorized: false };
    return { isAuthorized: await verify(token).then(() => true, () => false) };
  };
}

/** Composed at the first call (a cold start), from the function's environment. */
let check: ReturnType<typeof authorizer> | undefined;

export const handler = (event: AuthorizerEvent) => {
  if (check === undefined) {
    check = authorizer(consoleClient(process.env).verify);
  }
  return check(event);
};
