/** @opensensor/sensors-enviroplus — filled in by its own issue. */
export const PACKAGE_NAME = '@opensensor/sensors-enviroplus';
