import { Field, Textarea } from '@fluentui/react-components';
import { useState } from 'react';
import { SectionForm } from '../section-form.tsx';
import type { SyncSettings } from '../types.ts';

/** The same rule as the server's (bot/sync/sync-settings.ts): an address, or @domain. */
const ENTRY = /^(@[a-z0-9-]+(\.[a-z0-9-]+)+|[^\s@]+@[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

const lines = (text: string) =>
  text
    .split(/[\n,;]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

function ListField(props: {
  label: string;
  hint: string;
  values: string[];
  valid: RegExp;
  serverInvalid: boolean;
  onChange(values: string[]): void;
}) {
  const [text, setText] = useState(props.values.join('\n'));
  const bad = lines(text).filter((l) => !props.valid.test(l));
  const message =
    bad.length > 0
      ? `Not valid: ${bad.join(', ')}`
      : props.serverInvalid
        ? 'Check these entries.'
        : undefined;
  return (
    <Field
      label={props.label}
      hint={props.hint}
      validationState={message ? 'error' : 'none'}
      validationMessage={message}
    >
      <Textarea
        resize="vertical"
        rows={5}
        value={text}
        onChange={(_, d) => {
          setText(d.value);
          props.onChange(lines(d.value));
        }}
      />
    </Field>
  );
}

export function PrivacySection() {
  return (
    <SectionForm
      id="privacy"
      title="Privacy"
      intro="Mail with these people is never synced, whoever else is on it."
      check={(d: SyncSettings) =>
        d.blocklist.some((e) => !ENTRY.test(e)) || d.internalDomains.some((e) => !DOMAIN.test(e))
          ? 'Fix the entries marked as not valid first.'
          : undefined
      }
    >
      {({ draft, update, invalid }) => (
        <>
          <ListField
            label="Blocked addresses and domains"
            hint="One per line: an address (jo@example.com) or a whole domain with its subdomains (@example.com)."
            values={draft.blocklist}
            valid={ENTRY}
            serverInvalid={invalid.some((f) => f.startsWith('blocklist'))}
            onChange={(blocklist) => update({ blocklist })}
          />
          <ListField
            label="Other domains of our organization"
            hint="One per line (example.co.uk). Threads only among these and your own domain count as internal."
            values={draft.internalDomains}
            valid={DOMAIN}
            serverInvalid={invalid.some((f) => f.startsWith('internalDomains'))}
            onChange={(internalDomains) => update({ internalDomains })}
          />
        </>
      )}
    </SectionForm>
  );
}
