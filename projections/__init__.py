"""Read models built from the log: roster, ownership registry, audit report
(each an exactly-once follower of the log), and the event feed."""
