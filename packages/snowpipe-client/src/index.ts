/** @opensensor/snowpipe-client — filled in by its own issue. */
export const PACKAGE_NAME = '@opensensor/snowpipe-client';
