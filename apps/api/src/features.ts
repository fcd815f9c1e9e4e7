import type { Type } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { ReadingModule } from './reading/reading.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { PersonalDataModule } from './personal-data/personal-data.module';

/** Feature modules beyond recording (reading, analytics), each owning its routes. */
export const FEATURE_MODULES: Type<unknown>[] = [AuditModule, ReadingModule, AnalyticsModule, PersonalDataModule];
