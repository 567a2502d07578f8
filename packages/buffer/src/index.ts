/** @opensensor/buffer — filled in by its own issue. */
export const PACKAGE_NAME = '@opensensor/buffer';
