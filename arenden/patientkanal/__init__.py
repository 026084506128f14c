"""The patient's own channel (issue 18), the case side: messages to the patient, region templates, 1177 inbox."""
