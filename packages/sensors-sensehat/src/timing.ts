/** ST parts set bit 7 of the register address to auto-increment over a multi-byte read. */
export const AUTO_INCREMENT = 0x80;
