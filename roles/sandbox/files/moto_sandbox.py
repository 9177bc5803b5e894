"""moto server as the sandbox's AWS API, with the places where moto differs from AWS made to
behave as AWS does (sandbox only; the roles never see this):

- KMS ScheduleKeyDeletion accepts a key ARN on AWS (amazon.aws.kms_key sends one); moto 5.2
  only accepts a key id and fails with an internal error.
"""

import sys

from moto.kms import models as kms_models
from moto.server import main


def _patch_kms_schedule_key_deletion():
    original = kms_models.KmsBackend.schedule_key_deletion

    def schedule_key_deletion(self, key_id, pending_window_in_days):
        return original(self, self.get_key_id(key_id), pending_window_in_days)

    kms_models.KmsBackend.schedule_key_deletion = schedule_key_deletion


if __name__ == "__main__":
    _patch_kms_schedule_key_deletion()
    main(sys.argv[1:])
