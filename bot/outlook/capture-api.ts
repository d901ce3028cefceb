import type express from 'express';
import { z } from 'zod';
import type { CaptureService } from '../capture/capture-service.ts';
import type { CandidateProfile } from '../crm/crm.port.ts';
import { parse, type Handler } from '../tab/tab-api.ts';
import type { TabIdentity } from '../tab/tab-identity.ts';
import type {
  CaptureReadResponse,
  CaptureRequest,
  CaptureView,
  DuplicateView,
  EmailView,
  RecordView,
} from './outlook-types.ts';

/**
 * CaptureME's routes in the Outlook add-in's API (mounted by outlookApi, under its authentication
 * and the organization's switch): the resumes an email offers, one read into a profile, Process Now
 * (create or update), Process Later and Clear Settings. The email is read from the caller's own
 * mailbox only, as every route of the add-in's.
 */

const text = (max: number) => z.string().trim().max(max);
const profile: z.ZodType<CandidateProfile> = z.object({
  name: text(200).min(1, 'a candidate needs a name'),
  emails: z.array(z.email().max(254)).max(10),
  phone: text(40).optional(),
  location: text(200).optional(),
  title: text(200).optional(),
  employer: text(200).optional(),
  links: z.array(text(500)).max(10),
  skills: z.array(text(100)).max(100),
  history: z
    .array(
      z.object({
        employer: text(200).optional(),
        title: text(200).optional(),
        start: text(40).optional(),
        end: text(40).optional(),
      }),
    )
    .max(20),
  education: z
    .array(
      z.object({ institution: text(200).min(1), degree: text(200).optional(), year: text(20).optional() }),
    )
    .max(10),
});
const ref = z.string().min(1).max(1100);
const share = z.enum(['private', 'public']);
const readBody = z.object({ ref });
const laterBody = z.object({ ref, share });
const captureBody: z.ZodType<CaptureRequest> = z.object({
  ref,
  share,
  profile,
  updateId: z.string().min(1).max(200).optional(),
});

export interface CaptureRoutes {
  router: express.Router;
  route: (handler: Handler) => express.RequestHandler;
  costly: express.RequestHandler;
  messageId: (req: express.Request) => string;
  capture: CaptureService;
  record: (tenantId: string, id: string) => Promise<RecordView | undefined>;
  emailView: (me: TabIdentity, messageId: string) => Promise<EmailView>;
  /** Graph's "not found" said as the pane's user sees it. */
  notInMailbox: (error: unknown) => never;
}

export function captureRoutes(r: CaptureRoutes): void {
  const user = (me: TabIdentity) => ({ tenantId: me.tenantId, userId: me.userId });
  const dup = async (me: TabIdentity, d: DuplicateView) => {
    const shown = await r.record(me.tenantId, d.record.id);
    return shown && { ...shown, reason: d.reason };
  };

  r.router.get(
    '/messages/:id/capture',
    r.route(async (req, res, me) => {
      const found = await r.capture.sources(user(me), r.messageId(req)).catch(r.notInMailbox);
      const id = found.state?.candidate?.id;
      const view: CaptureView = { ...found, candidate: (id && (await r.record(me.tenantId, id))) || null };
      res.json(view);
    }),
  );

  r.router.post(
    '/messages/:id/capture/read',
    r.costly,
    r.route(async (req, res, me) => {
      const body = parse(readBody, req.body ?? {});
      const read = await r.capture.read(user(me), r.messageId(req), body.ref).catch(r.notInMailbox);
      const duplicates = (await Promise.all(read.duplicates.map((d) => dup(me, d)))).filter(
        (d) => d !== undefined,
      );
      const answer: CaptureReadResponse = { ...read, duplicates };
      res.json(answer);
    }),
  );

  r.router.post(
    '/messages/:id/capture',
    r.costly,
    r.route(async (req, res, me) => {
      const body = parse(captureBody, req.body ?? {});
      const id = r.messageId(req);
      const made = await r.capture
        .create(user(me), id, {
          ref: body.ref,
          share: body.share,
          profile: body.profile,
          ...(body.updateId ? { updateId: body.updateId } : {}),
        })
        .catch(r.notInMailbox);
      const [candidate, email] = await Promise.all([
        r.record(me.tenantId, made.record.id),
        r.emailView(me, id),
      ]);
      res.status(made.created ? 201 : 200).json({ candidate, created: made.created, email });
    }),
  );

  r.router.put(
    '/messages/:id/capture/later',
    r.route(async (req, res, me) => {
      const body = parse(laterBody, req.body ?? {});
      res.json(await r.capture.later(user(me), r.messageId(req), body).catch(r.notInMailbox));
    }),
  );

  r.router.delete(
    '/messages/:id/capture/later',
    r.route(async (req, res, me) => {
      res.json({ cleared: await r.capture.clear(user(me), r.messageId(req)).catch(r.notInMailbox) });
    }),
  );
}
