import type { Writable } from 'node:stream';
import { openEventStore } from '@kedja/event-store';
import { DATA_KEY_KIND, FileKeyProvider, PersonalData } from '@kedja/personal-data';
import type { KedjaConfig } from '../../../api/src/config/config';

/**
 * Master key rotation: a new current master key in the key file, every data key re-wrapped under
 * it, then the old master keys removed once no wrapped key names them. Run it with the service
 * stopped (or restart every instance afterwards): a running instance keeps the key file it read.
 */
export async function rotateMasterKey(config: KedjaConfig, out: Writable): Promise<{ rewrapped: number; retired: string[] }> {
  const { db, store } = await openEventStore(
    config.store.kind === 'sqlite' ? { kind: 'sqlite', file: config.store.file } : { kind: 'postgres', connectionString: config.store.connectionString, schema: config.store.schema },
  );
  try {
    const provider = FileKeyProvider.open(config.dataDir);
    const previous = provider.keyIds;
    const current = provider.addMasterKey();
    const personalData = await PersonalData.open(db, provider);
    const rewrapped = await personalData.rewrapAll((done, total) => {
      if (done === total || done % 10_000 === 0) out.write(`re-wrapped ${done}/${total} data keys\n`);
    });
    const retired: string[] = [];
    for (const id of previous) {
      const [row] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM identities WHERE kind = '${DATA_KEY_KIND}' AND value LIKE $1`, [`${id}.%`]);
      if (Number(row.n) === 0) {
        provider.retire(id);
        retired.push(id);
      }
    }
    out.write(`master key ${current} is current; ${rewrapped} data keys re-wrapped; retired ${retired.length ? retired.join(', ') : 'none'}\n`);
    return { rewrapped, retired };
  } finally {
    await store.close();
  }
}
