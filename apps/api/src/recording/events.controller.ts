import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { EventsIntake } from './events.intake';

@Controller('v1/events')
export class EventsController {
  constructor(private readonly intake: EventsIntake) {}

  @Post()
  @HttpCode(200)
  async post(@Req() request: Request, @Res({ passthrough: true }) response: Response, @CurrentPrincipal() principal: Principal) {
    const answer = await this.intake.post(request, principal);
    response.status(answer.status);
    return answer.body;
  }
}
