import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TimelineController } from './timeline/timeline.controller';
import { TimelineReads } from './timeline/timeline-reads';
import { PersonStreams } from './timeline/person-stream';
import { SettlementQueueController } from './settlement-queue/settlement-queue.controller';
import { EstablishmentController } from './establishment/establishment.controller';
import { ResidentsController } from './residents/residents.controller';
import { ChainGapsController } from './chain-gaps/chain-gaps.controller';
import { CountyOverviewController } from './county-overview/county-overview.controller';
import { ViewReader } from './views/view-reader';
import { GAP_THRESHOLDS } from './views/thresholds';
import { KEDJA_CONFIG } from '../runtime/tokens';
import type { KedjaConfig } from '../config/config';

@Module({
  imports: [AuditModule],
  controllers: [TimelineController, SettlementQueueController, EstablishmentController, ResidentsController, ChainGapsController, CountyOverviewController],
  providers: [TimelineReads, PersonStreams, ViewReader, { provide: GAP_THRESHOLDS, useFactory: (config: KedjaConfig) => config.gapThresholds, inject: [KEDJA_CONFIG] }],
})
export class ReadingModule {}
