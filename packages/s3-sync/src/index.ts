/** @opensensor/s3-sync — filled in by its own issue. */
export const PACKAGE_NAME = '@opensensor/s3-sync';
