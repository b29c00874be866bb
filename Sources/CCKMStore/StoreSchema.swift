import CCKMCore
import GRDB

/// The job store's tables, one named migration per change (GRDB runs each once, in a transaction).
///
/// - `job`: one row per job, only the columns the lists filter and sort on, so that rows stay
///   small and a sort over tens of thousands of matches reads few pages.
/// - `job_document`: the job's JSON as the API prints it, rendered when the job changes so that a
///   read only concatenates; fetched by rowid for the jobs of the page only.
/// - `job_target`: the values the family's list filter matches, one row each, with a copy of the
///   job's status (kept by a trigger) so that `total` of a target filter, with or without a status
///   filter, is counted from one covering index without touching `job`.
/// - `job_count`: rows per (family, domain, status), kept by triggers, so `total` for a list with
///   no filter or only a status filter is a look-up instead of a count.
package enum StoreSchema {
    /// `completed_at` as lists sort it: a running job's missing time counts as the greatest, which
    /// is PostgreSQL's (and so CM's) NULLS LAST going up and NULLS FIRST going down, and lets one
    /// index serve both directions. `ListFilter` must order by this exact text to use the index.
    package static let completedSortKey = "coalesce(completed_at, 9223372036854775807)"

    /// One job per family and id.
    package static let uniqueJobIndex = "CREATE UNIQUE INDEX job_by_id ON job(family, id)"

    /// The indexes the lists read; a bulk load into an empty store drops them and builds them
    /// again at the end, which sorts once instead of updating six B-trees at random places per job.
    package static var listIndexes: [String] { jobListIndexes + targetListIndexes }

    /// The list indexes on `job`: one per sort order, and status for filtered lists.
    package static let jobListIndexes = [
        "CREATE INDEX job_by_created ON job(family, domain, created_at, seq)",
        "CREATE INDEX job_by_status ON job(family, domain, status, created_at, seq)",
        "CREATE INDEX job_by_updated ON job(family, domain, updated_at, seq)",
        "CREATE INDEX job_by_completed ON job(family, domain, \(completedSortKey), seq)",
        "CREATE INDEX job_by_status_updated ON job(family, domain, status, updated_at, seq)",
    ]

    /// A job's own target rows, which the status trigger updates.
    package static let jobTargetIndex = "CREATE INDEX job_target_by_job ON job_target(job)"

    /// The list indexes on `job_target`: target filters (in creation order; with one status, most
    /// recently updated first or last), and a job's own rows.
    package static let targetListIndexes = [
        jobTargetIndex,
        "CREATE INDEX job_target_by_created ON job_target(family, domain, value, created_at, job, status)",
        "CREATE INDEX job_target_by_updated ON job_target(family, domain, value, status, updated_at, job)",
    ]

    /// The name in `CREATE TRIGGER name AFTER …`.
    package static func triggerName(_ statement: String) -> String {
        let words = statement.split(whereSeparator: \.isWhitespace)
        return String(words[words.firstIndex(of: "AFTER")! - 1])
    }

    /// The name in `CREATE [UNIQUE] INDEX name ON …`.
    package static func indexName(_ statement: String) -> String {
        let words = statement.split(separator: " ")
        return String(words[words.firstIndex(of: "ON")! - 1])
    }

    /// Keep `job_count` and `job_target_count` on every insert; a bulk load drops them and counts
    /// once at the end (`recount`).
    package static let countTriggers = [
        """
        CREATE TRIGGER job_counted AFTER INSERT ON job BEGIN
            INSERT INTO job_count VALUES (NEW.family, NEW.domain, NEW.status, 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
        END
        """,
        """
        CREATE TRIGGER job_target_counted AFTER INSERT ON job_target BEGIN
            INSERT INTO job_target_count VALUES (NEW.family, NEW.domain, NEW.value, NEW.status, 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
        END
        """,
    ]

    /// Keep the counts on every delete; a full reset of a large store drops them, deletes every
    /// job and clears the counts (`JobStore.deleteAllJobs`).
    package static let uncountTriggers = [
        """
        CREATE TRIGGER job_uncounted AFTER DELETE ON job BEGIN
            UPDATE job_count SET n = n - 1
                WHERE family = OLD.family AND domain = OLD.domain AND status = OLD.status;
        END
        """,
        """
        CREATE TRIGGER job_target_uncounted AFTER DELETE ON job_target BEGIN
            UPDATE job_target_count SET n = n - 1
                WHERE family = OLD.family AND domain = OLD.domain AND value = OLD.value AND status = OLD.status;
        END
        """,
    ]

    /// The counts from the rows, after a bulk load appended them with the insert triggers dropped.
    package static let recount = """
        DELETE FROM job_count;
        INSERT INTO job_count SELECT family, domain, status, count(*) FROM job GROUP BY family, domain, status;
        DELETE FROM job_target_count;
        INSERT INTO job_target_count SELECT family, domain, value, status, count(*) FROM job_target GROUP BY family, domain, value, status;
        """

    /// Every migration is literal SQL that never changes once shipped: a data folder made by an
    /// earlier build (a Docker volume, a CI cache) keeps what its migrations made. Later changes are
    /// new migrations. The constants above are what the bulk loader drops and builds again; a test
    /// checks they match what the migrations made.
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 jobs, targets and counts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job (
                        seq INTEGER PRIMARY KEY,
                        family TEXT NOT NULL,
                        domain TEXT NOT NULL,
                        id TEXT NOT NULL,
                        status TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        completed_at INTEGER
                    );
                    CREATE UNIQUE INDEX job_by_id ON job(family, id);
                    CREATE INDEX job_by_created ON job(family, domain, created_at, seq);
                    CREATE INDEX job_by_status ON job(family, domain, status, created_at, seq);
                    CREATE INDEX job_by_updated ON job(family, domain, updated_at, seq);
                    CREATE INDEX job_by_completed ON job(family, domain, coalesce(completed_at, 9223372036854775807), seq);

                    CREATE TABLE job_document (
                        seq INTEGER PRIMARY KEY REFERENCES job(seq) ON DELETE CASCADE,
                        document TEXT NOT NULL
                    );

                    CREATE TABLE job_target (
                        job INTEGER NOT NULL REFERENCES job(seq) ON DELETE CASCADE,
                        family TEXT NOT NULL,
                        domain TEXT NOT NULL,
                        value TEXT NOT NULL,
                        status TEXT NOT NULL
                    );
                    CREATE INDEX job_target_by_value ON job_target(family, domain, value, status, job);
                    CREATE INDEX job_target_by_job ON job_target(job);
                    CREATE TRIGGER job_target_status AFTER UPDATE OF status ON job BEGIN
                        UPDATE job_target SET status = NEW.status WHERE job = NEW.seq;
                    END;

                    CREATE TABLE job_count (
                        family TEXT NOT NULL,
                        domain TEXT NOT NULL,
                        status TEXT NOT NULL,
                        n INTEGER NOT NULL,
                        PRIMARY KEY (family, domain, status)
                    ) WITHOUT ROWID;
                    CREATE TRIGGER job_counted AFTER INSERT ON job BEGIN
                        INSERT INTO job_count VALUES (NEW.family, NEW.domain, NEW.status, 1)
                            ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER job_uncounted AFTER DELETE ON job BEGIN
                        UPDATE job_count SET n = n - 1
                            WHERE family = OLD.family AND domain = OLD.domain AND status = OLD.status;
                    END;
                    CREATE TRIGGER job_recounted AFTER UPDATE OF family, domain, status ON job BEGIN
                        UPDATE job_count SET n = n - 1
                            WHERE family = OLD.family AND domain = OLD.domain AND status = OLD.status;
                        INSERT INTO job_count VALUES (NEW.family, NEW.domain, NEW.status, 1)
                            ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    """)
        }
        migrator.registerMigration("v2 schedule and events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job_schedule (
                        seq INTEGER NOT NULL REFERENCES job(seq) ON DELETE CASCADE,
                        target TEXT NOT NULL,
                        due_at INTEGER NOT NULL,
                        outcome INTEGER NOT NULL,
                        message TEXT NOT NULL,
                        done INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (seq, target)
                    ) WITHOUT ROWID;
                    CREATE INDEX job_schedule_due ON job_schedule(due_at, seq, target) WHERE done = 0;

                    CREATE TABLE job_event (
                        id INTEGER PRIMARY KEY,
                        family TEXT NOT NULL,
                        domain TEXT NOT NULL,
                        job_id TEXT NOT NULL,
                        target TEXT,
                        from_state TEXT,
                        to_state TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX job_event_by_job ON job_event(job_id, id);
                    """)
        }
        migrator.registerMigration("v3 login sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE auth_session (
                        refresh_token TEXT PRIMARY KEY,
                        refresh_token_id TEXT NOT NULL,
                        sid TEXT NOT NULL UNIQUE,
                        client_id TEXT NOT NULL,
                        username TEXT NOT NULL,
                        domain TEXT NOT NULL,
                        revoked INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4 snapshots") { db in
            // Each copy table has the columns of its table after a `snapshot` name column.
            try db.execute(
                sql: """
                    CREATE TABLE snapshot (name TEXT PRIMARY KEY, clock INTEGER NOT NULL, jobs INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE snapshot_job AS SELECT '' AS snapshot, * FROM job WHERE 0;
                    CREATE INDEX snapshot_job_by_name ON snapshot_job(snapshot);
                    CREATE TABLE snapshot_job_document AS SELECT '' AS snapshot, * FROM job_document WHERE 0;
                    CREATE INDEX snapshot_job_document_by_name ON snapshot_job_document(snapshot);
                    CREATE TABLE snapshot_job_target AS SELECT '' AS snapshot, * FROM job_target WHERE 0;
                    CREATE INDEX snapshot_job_target_by_name ON snapshot_job_target(snapshot);
                    CREATE TABLE snapshot_job_schedule AS SELECT '' AS snapshot, * FROM job_schedule WHERE 0;
                    CREATE INDEX snapshot_job_schedule_by_name ON snapshot_job_schedule(snapshot);
                    CREATE TABLE snapshot_job_event AS SELECT '' AS snapshot, * FROM job_event WHERE 0;
                    CREATE INDEX snapshot_job_event_by_name ON snapshot_job_event(snapshot);
                    """)
        }
        migrator.registerMigration("v5 scheduler job configurations") { db in
            // Literal SQL, as every migration from here on: what shipped never changes.
            try db.execute(
                sql: """
                    CREATE TABLE scheduler_config (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        domain TEXT NOT NULL,
                        name TEXT NOT NULL,
                        operation TEXT NOT NULL,
                        family TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        document TEXT NOT NULL,
                        next_due INTEGER,
                        UNIQUE (domain, name)
                    );
                    CREATE INDEX scheduler_config_due ON scheduler_config(next_due, seq) WHERE next_due IS NOT NULL;
                    CREATE TABLE scheduler_run (
                        job_id TEXT PRIMARY KEY,
                        config_id TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE snapshot_scheduler_config AS SELECT '' AS snapshot, * FROM scheduler_config WHERE 0;
                    CREATE INDEX snapshot_scheduler_config_by_name ON snapshot_scheduler_config(snapshot);
                    CREATE TABLE snapshot_scheduler_run AS SELECT '' AS snapshot, * FROM scheduler_run WHERE 0;
                    CREATE INDEX snapshot_scheduler_run_by_name ON snapshot_scheduler_run(snapshot);
                    """)
        }
        migrator.registerMigration("v6 indexes for a fleet's list filters") { db in
            // A status filter sorted by `updated_at` (a fleet polling what still runs) is one range
            // of `job_by_status_updated`, not a scan of `job_by_updated` reading each row's status.
            // `job_target_by_created` holds the creation time (which never changes) next to the
            // value, so a target filter's page in the default order is one range of one index.
            // `job_target_count` is `total` for one target value, with or without a status, as
            // `job_count` is for none: looked up, not counted.
            try db.execute(
                sql: """
                    CREATE INDEX job_by_status_updated ON job(family, domain, status, updated_at, seq);
                    ALTER TABLE job_target ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
                    UPDATE job_target SET created_at = (SELECT created_at FROM job WHERE job.seq = job_target.job);
                    ALTER TABLE snapshot_job_target ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
                    UPDATE snapshot_job_target SET created_at = coalesce((
                        SELECT created_at FROM snapshot_job AS saved
                        WHERE saved.snapshot = snapshot_job_target.snapshot AND saved.seq = snapshot_job_target.job), 0);
                    CREATE INDEX job_target_by_created ON job_target(family, domain, value, created_at, job, status);
                    CREATE TABLE job_target_count (
                        family TEXT NOT NULL,
                        domain TEXT NOT NULL,
                        value TEXT NOT NULL,
                        status TEXT NOT NULL,
                        n INTEGER NOT NULL,
                        PRIMARY KEY (family, domain, value, status)
                    ) WITHOUT ROWID;
                    INSERT INTO job_target_count
                        SELECT family, domain, value, status, count(*) FROM job_target GROUP BY family, domain, value, status;
                    CREATE TRIGGER job_target_counted AFTER INSERT ON job_target BEGIN
                        INSERT INTO job_target_count VALUES (NEW.family, NEW.domain, NEW.value, NEW.status, 1)
                            ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER job_target_uncounted AFTER DELETE ON job_target BEGIN
                        UPDATE job_target_count SET n = n - 1
                            WHERE family = OLD.family AND domain = OLD.domain AND value = OLD.value AND status = OLD.status;
                    END;
                    CREATE TRIGGER job_target_recounted AFTER UPDATE OF family, domain, value, status ON job_target BEGIN
                        UPDATE job_target_count SET n = n - 1
                            WHERE family = OLD.family AND domain = OLD.domain AND value = OLD.value AND status = OLD.status;
                        INSERT INTO job_target_count VALUES (NEW.family, NEW.domain, NEW.value, NEW.status, 1)
                            ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    """)
        }
        migrator.registerMigration("v7 one index for target values") { db in
            // `job_target_by_created` (v6) serves every read `job_target_by_value` served: a value's
            // range, its statuses read from the index itself. Two indexes on a start's target rows
            // cost a tenth of the starts a second (8,200/s with both, 9,000 without the older).
            try db.execute(sql: "DROP INDEX job_target_by_value")
        }
        migrator.registerMigration("v8 scheduler job runs") { db in
            // Every run of a configuration, by the clock or run-now. A run that started a
            // synchronization names its job (`family`, `job_id`), whose status it then shows;
            // `status` is the run's own for the others (completed, or failed when refused).
            try db.execute(
                sql: """
                    CREATE TABLE scheduler_job (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        domain TEXT NOT NULL,
                        config_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        operation TEXT NOT NULL,
                        trigger TEXT NOT NULL,
                        status TEXT NOT NULL,
                        family TEXT,
                        job_id TEXT,
                        message TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX scheduler_job_by_domain ON scheduler_job(domain, created_at, seq);
                    CREATE INDEX scheduler_job_by_config ON scheduler_job(config_id, created_at, seq);
                    CREATE TABLE snapshot_scheduler_job AS SELECT '' AS snapshot, * FROM scheduler_job WHERE 0;
                    CREATE INDEX snapshot_scheduler_job_by_name ON snapshot_scheduler_job(snapshot);
                    """)
        }
        migrator.registerMigration("v9 server starts") { db in
            // One row per start on this store: a seeded server started again on it draws from a
            // stream of its own, so its ids do not repeat the first start's (a UNIQUE failure).
            try db.execute(sql: "CREATE TABLE server_start (number INTEGER PRIMARY KEY, at INTEGER NOT NULL)")
        }
        migrator.registerMigration("v10 target filters by status and update time") { db in
            // A fleet polls one target's ended jobs, most recently updated first
            // (`kms=…&overall_status=completed&sort=-updatedAt`): SQLite built the list of every job
            // of the value and walked the status's jobs by update time probing it, 1.4 ms a page on
            // 1,000,000 jobs, where one range of `job_target_by_updated` reads the page itself.
            // `updated_at` is copied with the status, when the status changes: the job's update
            // time as it ended, which no later write changes (a running job's rows keep its start's,
            // and its lists are not read from this index). The trigger fired on every write of a
            // job's row, a target's end included, and rewrote its target rows for nothing.
            try db.execute(
                sql: """
                    ALTER TABLE job_target ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
                    UPDATE job_target SET updated_at = (SELECT updated_at FROM job WHERE job.seq = job_target.job);
                    ALTER TABLE snapshot_job_target ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
                    UPDATE snapshot_job_target SET updated_at = coalesce((
                        SELECT updated_at FROM snapshot_job AS saved
                        WHERE saved.snapshot = snapshot_job_target.snapshot AND saved.seq = snapshot_job_target.job), 0);
                    CREATE INDEX job_target_by_updated ON job_target(family, domain, value, status, updated_at, job);
                    DROP TRIGGER job_target_status;
                    CREATE TRIGGER job_target_status AFTER UPDATE OF status ON job WHEN OLD.status IS NOT NEW.status BEGIN
                        UPDATE job_target SET status = NEW.status, updated_at = NEW.updated_at WHERE job = NEW.seq;
                    END;
                    """)
        }
        migrator.registerMigration("v11 the fake cloud and CM's inventory") { db in
            // `cloud_key`: keys that exist in the fake cloud, under the container a sync target
            // names (an AWS `<account>/<region>`), shared by every domain as one cloud account is.
            // `cm_key`: what completed syncs brought into a domain's inventory, the document as
            // served. `cm_resource`: connections and containers clients create before a sync.
            try db.execute(
                sql: """
                    CREATE TABLE cloud_key (
                        seq INTEGER PRIMARY KEY,
                        cloud TEXT NOT NULL,
                        container TEXT NOT NULL,
                        cloud_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        parameters TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX cloud_key_by_id ON cloud_key(cloud, cloud_id);
                    CREATE INDEX cloud_key_by_container ON cloud_key(cloud, container);
                    CREATE TABLE cm_key (
                        seq INTEGER PRIMARY KEY,
                        domain TEXT NOT NULL,
                        cloud TEXT NOT NULL,
                        id TEXT NOT NULL,
                        cloud_id TEXT NOT NULL,
                        container TEXT NOT NULL,
                        region TEXT NOT NULL,
                        name TEXT NOT NULL,
                        container_name TEXT NOT NULL,
                        container_id TEXT NOT NULL,
                        gone INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        synced_at INTEGER NOT NULL,
                        parameters TEXT NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX cm_key_by_id ON cm_key(domain, cloud, id);
                    CREATE UNIQUE INDEX cm_key_by_cloud_id ON cm_key(domain, cloud, cloud_id);
                    CREATE INDEX cm_key_by_created ON cm_key(domain, cloud, created_at, seq);
                    CREATE INDEX cm_key_by_container ON cm_key(domain, cloud, container);
                    CREATE TABLE cm_resource (
                        seq INTEGER PRIMARY KEY,
                        domain TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX cm_resource_by_id ON cm_resource(domain, kind, id);
                    CREATE UNIQUE INDEX cm_resource_by_name ON cm_resource(domain, kind, name);
                    CREATE TABLE snapshot_cloud_key AS SELECT '' AS snapshot, * FROM cloud_key WHERE 0;
                    CREATE INDEX snapshot_cloud_key_by_name ON snapshot_cloud_key(snapshot);
                    CREATE TABLE snapshot_cm_key AS SELECT '' AS snapshot, * FROM cm_key WHERE 0;
                    CREATE INDEX snapshot_cm_key_by_name ON snapshot_cm_key(snapshot);
                    CREATE TABLE snapshot_cm_resource AS SELECT '' AS snapshot, * FROM cm_resource WHERE 0;
                    CREATE INDEX snapshot_cm_resource_by_name ON snapshot_cm_resource(snapshot);
                    """)
        }
        migrator.registerMigration("v12 inventory counts and names") { db in
            // A list's total without filters read from a count, as the job lists' are: counting a
            // domain's 100,000 keys took 10 ms a request. Kept by triggers, so that every way rows
            // come and go (syncs, fixtures, resets, snapshots, prepared copies) keeps it. The name
            // index serves the lookups clients make by alias or key name.
            try db.execute(
                sql: """
                    CREATE TABLE cm_key_count (domain TEXT NOT NULL, cloud TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (domain, cloud))
                        WITHOUT ROWID;
                    INSERT INTO cm_key_count SELECT domain, cloud, count(*) FROM cm_key GROUP BY domain, cloud;
                    CREATE TRIGGER cm_key_counted AFTER INSERT ON cm_key BEGIN
                        INSERT INTO cm_key_count VALUES (new.domain, new.cloud, 1) ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER cm_key_uncounted AFTER DELETE ON cm_key BEGIN
                        UPDATE cm_key_count SET n = n - 1 WHERE domain = old.domain AND cloud = old.cloud;
                    END;
                    CREATE INDEX cm_key_by_name ON cm_key(domain, cloud, name);
                    """)
        }
        return migrator
    }
}
