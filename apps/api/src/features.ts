import type { Type } from '@nestjs/common';

/** Feature modules beyond recording (reading, analytics), each owning its routes. */
export const FEATURE_MODULES: Type<unknown>[] = [];
