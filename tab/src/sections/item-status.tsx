import { Link, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { type ItemKind, KINDS, countsText, itemsPath } from '../item-kinds.ts';
import type { Status } from '../types.ts';

/**
 * A contacts, tasks or calendar section's first line: whether its sync is on (as saved) and its
 * items' counts by status, from the sync status, with the way to the list of them.
 */
export function ItemStatusLine({ kind, navigate }: { kind: ItemKind; navigate(path: string): void }) {
  const [state, setState] = useState<Status['items'][ItemKind]>();
  const [error, setError] = useState<string>();
  const words = KINDS[kind];

  useEffect(() => {
    api<Status>('/status').then(
      ({ data }) => setState(data.items[kind]),
      (e: Error) => setError(e.message),
    );
  }, [kind]);

  const link = (
    <Link
      href={`/tab/${itemsPath(kind)}`}
      onClick={(ev) => {
        ev.preventDefault();
        navigate(itemsPath(kind));
      }}
    >
      See your {words.plural}
    </Link>
  );
  return (
    <Text block data-testid="item-status">
      {state
        ? `${words.sync} is ${state.enabled ? 'on' : 'off'}: ${countsText(state.counts)}. `
        : error
          ? `The sync status could not be read: ${error} `
          : 'Reading the sync status… '}
      {link}
    </Text>
  );
}
