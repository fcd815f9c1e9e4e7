import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { Erasure } from './erasure';
import { ErasureController } from './erasure.controller';

@Module({
  imports: [AuditModule],
  controllers: [ErasureController],
  providers: [Erasure],
  exports: [Erasure],
})
export class PersonalDataModule {}
