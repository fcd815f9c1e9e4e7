import type { PostingActorKind } from '../actors/actor';
import { EVENT_TYPES, type EventType } from './events';

export type Category = 'migration' | 'registration' | 'settlement' | 'language' | 'health' | 'labour' | 'allowance' | 'retraction';

export type CodeList = 'kommunkod' | 'ssyk' | 'orgnr' | 'alpha3' | 'iso639-1' | 'personnummer';

interface FieldBase {
  readonly required: boolean;
  readonly description: string;
  readonly example: unknown;
  /** Personal data that must never appear in a message, a log line or an analyst's export. */
  readonly personalIdentifier?: boolean;
}

export type FieldSpec =
  | (FieldBase & { readonly kind: 'enum'; readonly values: readonly (string | number)[] })
  | (FieldBase & { readonly kind: 'string'; readonly minLength: number; readonly maxLength: number; readonly pattern?: string })
  | (FieldBase & { readonly kind: 'boolean' })
  | (FieldBase & { readonly kind: 'integer'; readonly min: number; readonly max: number })
  | (FieldBase & { readonly kind: 'date' })
  | (FieldBase & { readonly kind: 'code'; readonly codeList: CodeList })
  | (FieldBase & {
      readonly kind: 'array';
      readonly items: { readonly kind: 'code'; readonly codeList: CodeList };
      readonly maxItems: number;
    });

export interface EventSpec {
  readonly type: EventType;
  readonly category: Category;
  /** Actor kinds that may post the type; narrower scope rules (own municipality, own county) apply in decide. */
  readonly postedBy: readonly PostingActorKind[];
  readonly description: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Rules across fields or against the event time, described for the published schema. */
  readonly rules?: readonly string[];
}

const MV: readonly PostingActorKind[] = ['migrationsverket'];
const SKV: readonly PostingActorKind[] = ['skatteverket'];
const M: readonly PostingActorKind[] = ['municipality'];
const R: readonly PostingActorKind[] = ['region'];
const AF: readonly PostingActorKind[] = ['arbetsformedlingen'];
const FK: readonly PostingActorKind[] = ['forsakringskassan'];
const AF_M: readonly PostingActorKind[] = ['arbetsformedlingen', 'municipality'];
const ANY: readonly PostingActorKind[] = ['migrationsverket', 'skatteverket', 'municipality', 'region', 'arbetsformedlingen', 'forsakringskassan'];

const req = true;
const opt = false;

const municipalityCode = (description: string): FieldSpec => ({
  kind: 'code',
  codeList: 'kommunkod',
  required: req,
  description: `${description} (kommunkod, 4 digits, SCB)`,
  example: '2281',
});
const ssyk = (required: boolean, description: string): FieldSpec => ({
  kind: 'code',
  codeList: 'ssyk',
  required,
  description: `${description} (SSYK 2012 unit group, 4 digits)`,
  example: '5321',
});
const orgnr = (description: string): FieldSpec => ({
  kind: 'code',
  codeList: 'orgnr',
  required: opt,
  description: `${description} (organisationsnummer, 10 digits without hyphen, of a legal person)`,
  example: '2120000142',
});
const course: FieldSpec = { kind: 'enum', values: ['A', 'B', 'C', 'D'], required: req, description: 'SFI course', example: 'B' };

const SPECS: Readonly<Record<EventType, Omit<EventSpec, 'type'>>> = {
  MigrationCaseOpened: {
    category: 'migration',
    postedBy: MV,
    description: 'Migrationsverket opened a migration case (ärende), creating the person in the chain.',
    fields: {
      route: {
        kind: 'enum',
        values: ['asylum', 'resettlement', 'family-ties', 'temporary-protection'],
        required: req,
        description:
          'Arrival route: asylum application, resettlement of quota refugees (vidarebosättning), family ties (anknytning), temporary protection under the EU directive (massflyktsdirektivet)',
        example: 'asylum',
      },
      birthYear: { kind: 'integer', min: 1900, max: 2100, required: req, description: 'Year of birth, not after the year of the event', example: 1990 },
      gender: { kind: 'enum', values: ['female', 'male', 'unspecified'], required: req, description: 'Gender', example: 'female' },
      citizenship: {
        kind: 'code',
        codeList: 'alpha3',
        required: req,
        description: 'Citizenship, ISO 3166-1 alpha-3, or XXA (stateless, statslös) or XXX (unknown)',
        example: 'SYR',
      },
      unaccompaniedMinor: { kind: 'boolean', required: opt, description: 'Unaccompanied minor (ensamkommande barn)', example: false },
    },
    rules: ['birthYear is not after the year of the event time'],
  },
  ReceptionHousingAssigned: {
    category: 'migration',
    postedBy: MV,
    description: 'Housing during the asylum process was arranged.',
    fields: {
      housingType: {
        kind: 'enum',
        values: ['ABO', 'EBO'],
        required: req,
        description: "Migrationsverket's accommodation (anläggningsboende, ABO) or own housing (eget boende, EBO)",
        example: 'ABO',
      },
      municipalityCode: municipalityCode('Municipality of the housing'),
    },
  },
  ResidencePermitGranted: {
    category: 'migration',
    postedBy: MV,
    description: 'A residence permit (uppehållstillstånd) was granted.',
    fields: {
      permitType: {
        kind: 'enum',
        values: ['temporary', 'permanent'],
        required: req,
        description: 'Temporary (tidsbegränsat, TUT) or permanent (permanent, PUT) residence permit',
        example: 'temporary',
      },
      ground: {
        kind: 'enum',
        values: ['refugee', 'subsidiary-protection', 'temporary-protection', 'family-ties', 'humanitarian', 'other'],
        required: req,
        description: 'Ground: refugee (flykting), subsidiary protection (alternativt skyddsbehövande), temporary protection, family ties, humanitarian (synnerligen ömmande omständigheter), other',
        example: 'refugee',
      },
      validUntil: { kind: 'date', required: opt, description: 'Last day of validity of a temporary permit, not before the event date', example: '2028-06-30' },
    },
    rules: ['validUntil is not before the date of the event time'],
  },
  ResidencePermitRefused: {
    category: 'migration',
    postedBy: MV,
    description: 'The application for a residence permit was refused (avslag).',
    fields: {},
  },
  MunicipalityAssigned: {
    category: 'migration',
    postedBy: MV,
    description: 'Migrationsverket assigned the person to a municipality for settlement (anvisning, bosättningslagen 2016:38).',
    fields: { municipalityCode: municipalityCode('Municipality the person is assigned to') },
  },
  MigrationCaseClosed: {
    category: 'migration',
    postedBy: MV,
    description: 'The migration case was closed.',
    fields: {
      reason: {
        kind: 'enum',
        values: ['left-sweden', 'withdrawn', 'deceased', 'citizenship', 'other'],
        required: req,
        description: 'Why the case was closed; citizenship means the person became a Swedish citizen',
        example: 'citizenship',
      },
    },
  },
  PopulationRegistered: {
    category: 'registration',
    postedBy: SKV,
    description: 'Skatteverket registered the person in the population register (folkbokföring) or gave a coordination number.',
    fields: {
      personalIdentityNumber: {
        kind: 'code',
        codeList: 'personnummer',
        required: req,
        personalIdentifier: true,
        description: 'Personal identity number (personnummer) or coordination number (samordningsnummer), 12 digits YYYYMMDDNNNC with a valid check digit',
        example: '199001159806',
      },
      municipalityCode: municipalityCode('Municipality of registration'),
    },
  },
  MovedToMunicipality: {
    category: 'registration',
    postedBy: SKV,
    description: 'The person moved and is registered in another municipality.',
    fields: { municipalityCode: municipalityCode('Municipality moved to') },
  },
  SettledInMunicipality: {
    category: 'settlement',
    postedBy: M,
    description: 'The person was received in and settled in the municipality (kommunmottagande).',
    fields: {
      municipalityCode: municipalityCode('Municipality of settlement; must be the posting municipality'),
      arrangement: {
        kind: 'enum',
        values: ['assigned', 'self-arranged'],
        required: req,
        description: 'Settled after an assignment (anvisning) or on their own (egen bosättning)',
        example: 'assigned',
      },
    },
    rules: ['municipalityCode equals the posting municipality'],
  },
  SfiEnrolled: {
    category: 'language',
    postedBy: M,
    description: 'The person was enrolled in a course of Swedish for immigrants (svenska för invandrare, SFI).',
    fields: {
      studyPath: {
        kind: 'enum',
        values: [1, 2, 3],
        required: req,
        description: 'Study path (studieväg) by prior schooling: 1 = courses A-D, 2 = B-D, 3 = C-D',
        example: 2,
      },
      course: { ...course, description: 'SFI course enrolled in; must belong to the study path' },
      vocational: { kind: 'boolean', required: opt, description: 'Vocational SFI (yrkessfi, SFX)', example: false },
    },
    rules: ['course belongs to studyPath: 1 = A,B,C,D; 2 = B,C,D; 3 = C,D'],
  },
  SfiCoursePassed: {
    category: 'language',
    postedBy: M,
    description: 'The person passed an SFI course they were enrolled in.',
    fields: {
      course: { ...course, description: 'SFI course passed' },
      grade: { kind: 'enum', values: ['A', 'B', 'C', 'D', 'E'], required: req, description: 'Passing grade A-E (F is a fail and is not reported)', example: 'C' },
    },
  },
  SfiDiscontinued: {
    category: 'language',
    postedBy: M,
    description: 'The person left an SFI course before passing it (avbrott).',
    fields: {
      course: { ...course, description: 'SFI course discontinued' },
      reason: { kind: 'enum', values: ['work', 'studies', 'moved', 'other'], required: req, description: 'Reason for discontinuing', example: 'work' },
    },
  },
  CivicOrientationStarted: {
    category: 'language',
    postedBy: M,
    description: 'The person started civic orientation (samhällsorientering, SO) in their own language.',
    fields: {
      language: { kind: 'code', codeList: 'iso639-1', required: req, description: 'Language of instruction, ISO 639-1', example: 'ar' },
      plannedHours: { kind: 'integer', min: 1, max: 200, required: req, description: 'Planned hours (at least 100 since 2020, förordning 2010:1138)', example: 100 },
    },
  },
  CivicOrientationCompleted: {
    category: 'language',
    postedBy: M,
    description: 'The person completed civic orientation.',
    fields: { hours: { kind: 'integer', min: 1, max: 200, required: req, description: 'Hours attended', example: 100 } },
  },
  HealthExaminationOffered: {
    category: 'health',
    postedBy: R,
    description: 'The region offered a health examination (hälsoundersökning, lag 2008:344); the fact only.',
    fields: {},
  },
  HealthExaminationCompleted: {
    category: 'health',
    postedBy: R,
    description: 'The health examination took place; findings are never sent.',
    fields: {},
  },
  EstablishmentProgrammeStarted: {
    category: 'labour',
    postedBy: AF,
    description: 'The person started the establishment programme (etableringsprogrammet, förordning 2017:820).',
    fields: {
      plannedEndDate: {
        kind: 'date',
        required: req,
        description: 'Planned end date, not before the event date and at most 24 months after it',
        example: '2026-12-31',
      },
    },
    rules: ['plannedEndDate is on or after the date of the event time and at most 24 months after it (förordning 2017:820, 9 §)'],
  },
  EstablishmentProgrammeEnded: {
    category: 'labour',
    postedBy: AF,
    description: 'The person left the establishment programme.',
    fields: {
      reason: {
        kind: 'enum',
        values: ['employment', 'studies', 'time-limit', 'health', 'parental-leave', 'moved-abroad', 'other'],
        required: req,
        description: 'Why the programme ended',
        example: 'employment',
      },
    },
  },
  EstablishmentAllowanceGranted: {
    category: 'allowance',
    postedBy: FK,
    description: 'Försäkringskassan granted establishment allowance (etableringsersättning).',
    fields: { extentPercent: { kind: 'enum', values: [25, 50, 75, 100], required: req, description: 'Extent of the allowance in percent of full time', example: 100 } },
  },
  CompetenceMapped: {
    category: 'labour',
    postedBy: AF,
    description: "Arbetsförmedlingen mapped the person's education and work experience (kompetenskartläggning).",
    fields: {
      yearsOfSchooling: { kind: 'integer', min: 0, max: 25, required: req, description: 'Years of schooling', example: 9 },
      highestEducation: {
        kind: 'enum',
        values: ['none', 'primary', 'upper-secondary', 'post-secondary'],
        required: req,
        description: 'Highest completed education (SUN 2020 level groups)',
        example: 'upper-secondary',
      },
      occupations: {
        kind: 'array',
        items: { kind: 'code', codeList: 'ssyk' },
        maxItems: 20,
        required: opt,
        description: 'Occupations of earlier work experience (SSYK 2012 unit groups, no duplicates)',
        example: ['5321', '9111'],
      },
      healthcareBackground: { kind: 'boolean', required: opt, description: 'Has a healthcare profession from abroad', example: false },
    },
  },
  InternshipStarted: {
    category: 'labour',
    postedBy: AF_M,
    description: 'The person started an internship (arbetspraktik).',
    fields: {
      occupation: ssyk(req, 'Occupation practised'),
      sector: { kind: 'enum', values: ['public', 'private', 'non-profit'], required: req, description: 'Sector of the workplace', example: 'private' },
      employer: orgnr('Host organisation'),
    },
  },
  InternshipEnded: { category: 'labour', postedBy: AF_M, description: 'The internship ended.', fields: {} },
  ValidationStarted: {
    category: 'labour',
    postedBy: AF_M,
    description: 'A validation of skills started (validering).',
    fields: {
      kind: {
        kind: 'enum',
        values: ['branch', 'foreign-education', 'licensure'],
        required: req,
        description: 'Branch validation (branschvalidering), assessment of foreign education (UHR), or licensure (legitimation, Socialstyrelsen)',
        example: 'branch',
      },
      occupation: ssyk(opt, 'Occupation validated against'),
    },
  },
  ValidationCompleted: {
    category: 'labour',
    postedBy: AF_M,
    description: 'The validation was completed.',
    fields: { outcome: { kind: 'enum', values: ['full', 'partial', 'none'], required: req, description: 'Outcome of the validation', example: 'partial' } },
  },
  EducationStarted: {
    category: 'labour',
    postedBy: AF_M,
    description: 'The person started education other than SFI.',
    fields: {
      level: {
        kind: 'enum',
        values: ['adult-basic', 'adult-upper-secondary', 'vocational', 'folk-high-school', 'higher'],
        required: req,
        description: 'Municipal adult education basic (komvux grundläggande) or upper secondary (gymnasial), vocational (yrkesutbildning), folk high school (folkhögskola), higher education (högskola)',
        example: 'adult-basic',
      },
    },
  },
  EducationEnded: {
    category: 'labour',
    postedBy: AF_M,
    description: 'The education ended.',
    fields: { completed: { kind: 'boolean', required: req, description: 'Whether the education was completed', example: true } },
  },
  EmploymentStarted: {
    category: 'labour',
    postedBy: AF,
    description: 'The person started work.',
    fields: {
      occupation: ssyk(req, 'Occupation'),
      form: {
        kind: 'enum',
        values: ['regular', 'new-start-job', 'introduction-job', 'extra-job', 'entry-job', 'establishment-job', 'apprenticeship', 'other'],
        required: req,
        description:
          'Form of employment: regular, new-start job (nystartsjobb), introduction job (introduktionsjobb), extra job (extratjänst), entry job (instegsjobb), establishment job (etableringsjobb), apprenticeship, other',
        example: 'regular',
      },
      hoursPerWeek: { kind: 'integer', min: 1, max: 60, required: opt, description: 'Contracted hours per week', example: 40 },
      employer: orgnr('Employer'),
    },
  },
  EmploymentEnded: { category: 'labour', postedBy: AF, description: 'The employment ended.', fields: {} },
  BusinessStarted: {
    category: 'labour',
    postedBy: AF,
    description: 'The person started their own business (start av näringsverksamhet).',
    fields: { organisationNumber: orgnr('The business') },
  },
  EventRetracted: {
    category: 'retraction',
    postedBy: ANY,
    description:
      'An earlier event was posted in error; it vanishes from timelines, views and analytics and stays in the log. Only the actor and source that posted it may retract it.',
    fields: {
      eventId: {
        kind: 'string',
        minLength: 1,
        maxLength: 256,
        required: req,
        description: 'The CloudEvents id of the event to retract, posted by this same source',
        example: '7f1c1f0e-5b8a-4a5e-9a43-0c1e4f6b2d11',
      },
      reason: {
        kind: 'string',
        minLength: 1,
        maxLength: 500,
        pattern: '\\S',
        required: req,
        description: 'Why the event is retracted, 1-500 characters, without personal identity numbers',
        example: 'Registered on the wrong person',
      },
    },
    rules: ['reason contains no personal identity number'],
  },
};

export const CATALOGUE: Readonly<Record<EventType, EventSpec>> = Object.freeze(
  Object.fromEntries(EVENT_TYPES.map((type) => [type, Object.freeze({ type, ...SPECS[type] })])) as Record<EventType, EventSpec>,
);

export function eventSpec(type: EventType): EventSpec {
  return CATALOGUE[type];
}

export function categoryOf(type: EventType): Category {
  return CATALOGUE[type].category;
}

export function mayPost(kind: string, type: EventType): boolean {
  return (CATALOGUE[type].postedBy as readonly string[]).includes(kind);
}
