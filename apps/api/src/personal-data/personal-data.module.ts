import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { Erasure } from './erasure';
import { ErasureController } from './erasure.controller';
import { DailyCulling } from './culling';

@Module({
  imports: [AuditModule],
  controllers: [ErasureController],
  providers: [Erasure, DailyCulling],
  exports: [Erasure],
})
export class PersonalDataModule {}
