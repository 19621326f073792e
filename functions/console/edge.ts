/** What CloudFront (the console stack) and the console's sign-in agree on. */

/** The header CloudFront's viewer-request function sets to the viewer's Host (API Gateway sees its own). */
export const VIEWER_HOST_HEADER = 'x-forwarded-host';
