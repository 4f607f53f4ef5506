// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IDatanetRegistry
/// @notice Datanets with a curator, validators, a quorum and a contribution bond.
/// @dev The functions below are the seam other protocol contracts rely on (ModelRegistry,
/// ProposalMarket); keep their signatures and semantics. Errors, events and the rest of the
/// API are added here.
interface IDatanetRegistry {
    // ---------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------

    /// @notice Lifecycle of a contribution. `None` marks an id that was never used.
    /// @dev Transitions: Pending -> Accepted | Rejected | Withdrawn, and Accepted -> Withdrawn.
    enum ContributionStatus {
        None,
        Pending,
        Accepted,
        Rejected,
        Withdrawn
    }

    /// @notice A validator's ballot on one contribution.
    enum Vote {
        None,
        Accept,
        Reject
    }

    /// @notice Who may read a Datanet's content: anyone (Open), or the accounts its curator
    /// approved plus its curator and validators (Restricted).
    enum AccessPolicy {
        Open,
        Restricted
    }

    /// @notice An account's access to a Restricted Datanet. `None`: never requested.
    enum AccessStatus {
        None,
        Requested,
        Approved,
        Refused
    }

    /// @notice A Datanet. The validator set is read through {getValidators} / {isValidator}.
    /// @param curator Manages validators, quorum, bond, metadata and access.
    /// @param quorum Votes on one side needed to resolve contributions submitted now (the
    /// effective value; a scheduled change is read through {pendingParams}).
    /// @param createdAt Creation time.
    /// @param accessPolicy Open or Restricted (see {hasAccess}).
    /// @param pendingCurator Account that may accept the curatorship (zero when none).
    /// @param contributionBond Bond pulled from each contribution submitted now (the effective value).
    /// @param contributionCount Contributions ever submitted to this Datanet.
    /// @param name Human-readable name.
    /// @param metadataURI Where the Datanet's description lives.
    struct Datanet {
        address curator;
        uint16 quorum;
        uint64 createdAt;
        AccessPolicy accessPolicy;
        address pendingCurator;
        uint256 contributionBond;
        uint256 contributionCount;
        string name;
        string metadataURI;
    }

    /// @notice A curator's scheduled change of a Datanet's quorum and bond. An `effectiveAt` of 0
    /// means nothing is scheduled for that parameter; from `effectiveAt` on, the new value is the
    /// one contributions get.
    struct PendingParams {
        uint16 quorum;
        uint64 quorumEffectiveAt;
        uint64 bondEffectiveAt;
        uint256 contributionBond;
    }

    /// @notice A contribution to a Datanet.
    /// @param datanetId The Datanet it was submitted to.
    /// @param contentHash Hash identifying the contributed content.
    /// @param bond Bond paid at submission (the Datanet's bond at that time).
    /// @param contributor Submitter; receives the bond back unless it is rejected.
    /// @param status Current status.
    /// @param quorum The Datanet's quorum at submission; the votes on one side needed to resolve.
    /// @param acceptVotes Accept votes cast.
    /// @param rejectVotes Reject votes cast.
    /// @param submittedAt Submission time.
    /// @param resolvedAt Time of the last status change (0 while Pending).
    /// @param uri Where the content can be fetched.
    struct Contribution {
        uint256 datanetId;
        bytes32 contentHash;
        uint256 bond;
        address contributor;
        ContributionStatus status;
        uint16 quorum;
        uint16 acceptVotes;
        uint16 rejectVotes;
        uint64 submittedAt;
        uint64 resolvedAt;
        string uri;
    }

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    /// @notice A required address argument is zero.
    error DatanetZeroAddress();
    /// @notice No Datanet has id `datanetId`.
    error DatanetNotFound(uint256 datanetId);
    /// @notice `caller` is not the curator of Datanet `datanetId`.
    error DatanetNotCurator(uint256 datanetId, address caller);
    /// @notice `caller` is not the pending curator of Datanet `datanetId`.
    error DatanetNotPendingCurator(uint256 datanetId, address caller);
    /// @notice `quorum` is 0 or above the `validatorCount` it would apply to.
    error DatanetInvalidQuorum(uint16 quorum, uint256 validatorCount);
    /// @notice A validator set would hold `count` members, above `max`.
    error DatanetTooManyValidators(uint256 count, uint256 max);
    /// @notice `validator` is already a validator of Datanet `datanetId`.
    error DatanetValidatorExists(uint256 datanetId, address validator);
    /// @notice `account` is not a validator of Datanet `datanetId`.
    error DatanetNotValidator(uint256 datanetId, address account);
    /// @notice A contribution's content hash is zero.
    error DatanetZeroContentHash();
    /// @notice `contentHash` is live in Datanet `datanetId` as contribution `contributionId`.
    error DatanetContentAlreadyContributed(uint256 datanetId, bytes32 contentHash, uint256 contributionId);
    /// @notice No contribution has id `contributionId`.
    error DatanetContributionNotFound(uint256 contributionId);
    /// @notice Contribution `contributionId` is `status`, not Pending.
    error DatanetContributionNotPending(uint256 contributionId, ContributionStatus status);
    /// @notice `validator` already voted on contribution `contributionId`.
    error DatanetAlreadyVoted(uint256 contributionId, address validator);
    /// @notice `validator` submitted contribution `contributionId` and cannot vote on it.
    error DatanetContributorCannotVote(uint256 contributionId, address validator);
    /// @notice `caller` is not the contributor of contribution `contributionId`.
    error DatanetNotContributor(uint256 contributionId, address caller);
    /// @notice Contribution `contributionId` is `status` and cannot be withdrawn.
    error DatanetContributionNotWithdrawable(uint256 contributionId, ContributionStatus status);
    /// @notice Contribution `contributionId` has votes and is under review until `reviewEndsAt`.
    error DatanetContributionUnderReview(uint256 contributionId, uint64 reviewEndsAt);
    /// @notice The Datanet's contribution bond `bond` is above the `maxBond` the caller accepts.
    error DatanetBondAboveMax(uint256 bond, uint256 maxBond);
    /// @notice No commitment `commitment` was made (see {commitContent}).
    error DatanetNoCommitment(bytes32 commitment);
    /// @notice Commitment `commitment` was made in block `committedAt`; it can be revealed from the next block.
    error DatanetCommitmentTooRecent(bytes32 commitment, uint256 committedAt);
    /// @notice `contentHash` was withdrawn from Datanet `datanetId` by `contributor`; only it may resubmit it.
    error DatanetContentBoundToContributor(uint256 datanetId, bytes32 contentHash, address contributor);
    /// @notice Contribution `contributionId` is `status`; only Accepted or Withdrawn ones can be reassigned.
    error DatanetContributionNotReassignable(uint256 contributionId, ContributionStatus status);
    /// @notice Datanet `datanetId` is Open: there is no access to request.
    error DatanetNotRestricted(uint256 datanetId);
    /// @notice An access request's purpose is empty or longer than `max` bytes.
    error DatanetInvalidPurpose(uint256 length, uint256 max);
    /// @notice `account`'s access to Datanet `datanetId` is already `status`.
    error DatanetAccessUnchanged(uint256 datanetId, address account, AccessStatus status);

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice Datanet `datanetId` was created by `curator`.
    event DatanetCreated(
        uint256 indexed datanetId,
        address indexed curator,
        string name,
        string metadataURI,
        address[] validators,
        uint16 quorum,
        uint256 contributionBond
    );
    /// @notice `validator` joined the validators of Datanet `datanetId`.
    event ValidatorAdded(uint256 indexed datanetId, address indexed validator);
    /// @notice `validator` left the validators of Datanet `datanetId`.
    event ValidatorRemoved(uint256 indexed datanetId, address indexed validator);
    /// @notice The quorum of Datanet `datanetId` goes from `currentQuorum` to `newQuorum` for
    /// contributions submitted from `effectiveAt` on (it replaces any change scheduled before).
    event QuorumChangeScheduled(uint256 indexed datanetId, uint16 currentQuorum, uint16 newQuorum, uint64 effectiveAt);
    /// @notice The contribution bond of Datanet `datanetId` goes from `currentBond` to `newBond`
    /// for contributions submitted from `effectiveAt` on (it replaces any change scheduled before).
    event ContributionBondChangeScheduled(
        uint256 indexed datanetId, uint256 currentBond, uint256 newBond, uint64 effectiveAt
    );
    /// @notice The access policy of Datanet `datanetId` is now `policy`.
    event DatanetAccessPolicySet(uint256 indexed datanetId, AccessPolicy policy);
    /// @notice `account` asked for access to Restricted Datanet `datanetId`, for `purpose`.
    event DatanetAccessRequested(uint256 indexed datanetId, address indexed account, string purpose);
    /// @notice `curator` approved (`approved` true) or refused / revoked `account`'s access to Datanet `datanetId`.
    event DatanetAccessDecided(
        uint256 indexed datanetId, address indexed account, address indexed curator, bool approved
    );
    /// @notice `committer` committed to a contribution (see {commitContent}).
    event ContentCommitted(bytes32 indexed commitment, address indexed committer);
    /// @notice Governance reassigned contribution `contributionId` from `previousContributor` to `newContributor`.
    event ContributionReassigned(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed previousContributor,
        address newContributor
    );
    /// @notice The metadata URI of Datanet `datanetId` changed.
    event DatanetMetadataUpdated(uint256 indexed datanetId, string metadataURI);
    /// @notice `curator` offered the curatorship of Datanet `datanetId` to `pendingCurator`
    /// (zero: the offer was cancelled).
    event CuratorshipTransferStarted(uint256 indexed datanetId, address indexed curator, address indexed pendingCurator);
    /// @notice The curatorship of Datanet `datanetId` passed from `previousCurator` to `newCurator`.
    event CuratorshipTransferred(
        uint256 indexed datanetId, address indexed previousCurator, address indexed newCurator
    );
    /// @notice `contributor` submitted `contentHash` to Datanet `datanetId`, paying `bond`;
    /// `quorum` votes on one side will resolve it.
    event ContributionSubmitted(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 contentHash,
        string uri,
        uint256 bond,
        uint16 quorum
    );
    /// @notice `validator` voted on contribution `contributionId`; the tallies after the vote.
    event ContributionVoted(
        uint256 indexed contributionId, address indexed validator, bool accept, uint16 acceptVotes, uint16 rejectVotes
    );
    /// @notice Contribution `contributionId` was accepted and `bondReturned` went back to `contributor`.
    event ContributionAccepted(
        uint256 indexed contributionId, uint256 indexed datanetId, address indexed contributor, uint256 bondReturned
    );
    /// @notice Contribution `contributionId` was rejected and `bondForfeited` went to `treasury`.
    event ContributionRejected(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        uint256 bondForfeited,
        address treasury
    );
    /// @notice `contributor` took down contribution `contributionId`, receiving `bondReturned`
    /// (zero when it had been accepted: its bond was returned then).
    event ContributionWithdrawn(
        uint256 indexed contributionId, uint256 indexed datanetId, address indexed contributor, uint256 bondReturned
    );
    /// @notice Forfeited bonds now go to `newTreasury`.
    event TreasuryUpdated(address oldTreasury, address newTreasury);

    // ---------------------------------------------------------------------------------------
    // Datanets
    // ---------------------------------------------------------------------------------------

    /// @notice Creates a Datanet curated by the caller.
    /// @dev Requirements: `validators` MUST be non-zero, unique and at most {MAX_VALIDATORS};
    /// `1 <= quorum <= validators.length`.
    /// Emits a {DatanetCreated} event.
    /// @return datanetId The new Datanet's id (counting from 1).
    function createDatanet(
        string calldata name,
        string calldata metadataURI,
        address[] calldata validators,
        uint16 quorum,
        uint256 contributionBond
    ) external returns (uint256 datanetId);

    /// @notice Adds `validator` to Datanet `datanetId`. Only the curator.
    /// @dev Emits a {ValidatorAdded} event.
    function addValidator(uint256 datanetId, address validator) external;

    /// @notice Removes `validator` from Datanet `datanetId`. Only the curator. Votes it already
    /// cast keep counting.
    /// @dev Requirements: the quorum MUST stay at or below the remaining validator count.
    /// Emits a {ValidatorRemoved} event.
    function removeValidator(uint256 datanetId, address validator) external;

    /// @notice Schedules the quorum for contributions submitted to Datanet `datanetId` from
    /// `now + PARAMETER_CHANGE_DELAY` on; replaces any quorum change still scheduled. Only the curator.
    /// @dev Requirements: `1 <= quorum <= validator count`.
    /// Emits a {QuorumChangeScheduled} event.
    function setQuorum(uint256 datanetId, uint16 quorum) external;

    /// @notice Schedules the bond pulled from contributions to Datanet `datanetId` submitted from
    /// `now + PARAMETER_CHANGE_DELAY` on; replaces any bond change still scheduled. Only the curator.
    /// @dev Emits a {ContributionBondChangeScheduled} event.
    function setContributionBond(uint256 datanetId, uint256 contributionBond) external;

    /// @notice Sets who may read Datanet `datanetId`'s content. Only the curator.
    /// @dev Emits a {DatanetAccessPolicySet} event.
    function setAccessPolicy(uint256 datanetId, AccessPolicy policy) external;

    /// @notice Asks the curator of Restricted Datanet `datanetId` for access, stating `purpose`.
    /// @dev Requirements: the Datanet MUST be Restricted; `purpose` MUST be 1..{MAX_PURPOSE_LENGTH}
    /// bytes; the caller MUST NOT be Requested or Approved already.
    /// Emits a {DatanetAccessRequested} event.
    function requestAccess(uint256 datanetId, string calldata purpose) external;

    /// @notice Approves or refuses `account`'s access to Datanet `datanetId` (refusing an approved
    /// account revokes it). Only the curator.
    /// @dev Requirements: `account` non-zero; the decision MUST change its status.
    /// Emits a {DatanetAccessDecided} event.
    function decideAccess(uint256 datanetId, address account, bool approve) external;

    /// @notice Replaces the metadata URI of Datanet `datanetId`. Only the curator.
    /// @dev Emits a {DatanetMetadataUpdated} event.
    function setMetadataURI(uint256 datanetId, string calldata metadataURI) external;

    /// @notice Offers the curatorship of Datanet `datanetId` to `newCurator`, who must accept
    /// it; the zero address cancels a pending offer. Only the curator.
    /// @dev Emits a {CuratorshipTransferStarted} event.
    function transferCuratorship(uint256 datanetId, address newCurator) external;

    /// @notice Accepts the curatorship of Datanet `datanetId`. Only its pending curator.
    /// @dev Emits a {CuratorshipTransferred} event.
    function acceptCuratorship(uint256 datanetId) external;

    // ---------------------------------------------------------------------------------------
    // Contributions
    // ---------------------------------------------------------------------------------------

    /// @notice Records `commitment` = {contributionCommitment}(datanetId, contentHash, caller,
    /// salt): the first step of {contribute}, which reveals it from the next block on. The
    /// commitment hides the content hash and binds the caller, so a copy of this transaction is
    /// worthless to anyone else. Committing an existing commitment keeps its first block.
    /// @dev Emits a {ContentCommitted} event.
    function commitContent(bytes32 commitment) external;

    /// @notice Submits `contentHash` (fetchable at `uri`) to Datanet `datanetId`, pulling the
    /// Datanet's effective contribution bond from the caller (approve it first).
    /// @dev Requirements: the caller MUST have committed {contributionCommitment}(datanetId,
    /// contentHash, caller, salt) in an earlier block (the commitment is consumed); the bond MUST
    /// be at most `maxBond`; `contentHash` MUST be non-zero and MUST NOT be Pending or Accepted in
    /// this Datanet already; after a withdrawal only its (possibly reassigned) contributor may
    /// resubmit it, after a rejection anyone may.
    /// Emits a {ContributionSubmitted} event.
    /// @return contributionId The new contribution's id (counting from 1, across all Datanets).
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri, uint256 maxBond, bytes32 salt)
        external
        returns (uint256 contributionId);

    /// @notice Casts the caller's vote on a Pending contribution. Only a current validator of its
    /// Datanet, once, and not on its own contribution. When one side reaches the contribution's
    /// quorum it is resolved: Accepted returns the bond to the contributor, Rejected sends it
    /// to the treasury.
    /// @dev Emits a {ContributionVoted} event, and a {ContributionAccepted} or
    /// {ContributionRejected} event when the vote resolves it.
    function vote(uint256 contributionId, bool accept) external;

    /// @notice Takes down the caller's contribution. Pending: the bond is returned; Accepted: the
    /// bond was already returned.
    /// @dev Requirements: the caller MUST be the contributor; the status MUST be Pending or
    /// Accepted; a Pending contribution with any vote MUST have been submitted at least
    /// {REVIEW_TIMEOUT} ago (a vote locks the bond until the review resolves or times out).
    /// Emits a {ContributionWithdrawn} event.
    function withdrawContribution(uint256 contributionId) external;

    // ---------------------------------------------------------------------------------------
    // Governance
    // ---------------------------------------------------------------------------------------

    /// @notice Sets the account that receives forfeited bonds. Only the parameter role.
    /// @dev Emits a {TreasuryUpdated} event.
    function setTreasury(address treasury) external;

    /// @notice Makes `newContributor` the contributor of an Accepted or Withdrawn contribution
    /// (attribution goes to it; after a withdrawal, only it may resubmit the content). Only
    /// {REASSIGN_ROLE} (governance), to settle a disputed authorship.
    /// @dev Requirements: `newContributor` non-zero; the status MUST be Accepted or Withdrawn.
    /// Emits a {ContributionReassigned} event.
    function reassignContribution(uint256 contributionId, address newContributor) external;

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice True when a Datanet with this id was created.
    function datanetExists(uint256 datanetId) external view returns (bool);

    /// @notice The most validators a Datanet may have.
    function MAX_VALIDATORS() external view returns (uint256);

    /// @notice Role allowed to change the treasury.
    function PARAMETER_ROLE() external view returns (bytes32);

    /// @notice Role allowed to reassign contributions (governance).
    function REASSIGN_ROLE() external view returns (bytes32);

    /// @notice Delay between a curator's quorum or bond change and the contributions it applies to.
    function PARAMETER_CHANGE_DELAY() external view returns (uint64);

    /// @notice How long a Pending contribution with votes stays locked before its contributor may withdraw it.
    function REVIEW_TIMEOUT() external view returns (uint64);

    /// @notice Longest access-request purpose, in bytes.
    function MAX_PURPOSE_LENGTH() external view returns (uint256);

    /// @notice The quorum and bond changes scheduled for Datanet `datanetId` (zeros when none).
    function pendingParams(uint256 datanetId) external view returns (PendingParams memory);

    /// @notice The commitment {contribute} reveals.
    function contributionCommitment(uint256 datanetId, bytes32 contentHash, address contributor, bytes32 salt)
        external
        pure
        returns (bytes32);

    /// @notice The block in which `commitment` was made (0 when never, or once revealed).
    function commitmentBlock(bytes32 commitment) external view returns (uint256);

    /// @notice True when `account` may read Datanet `datanetId`'s content: the Datanet exists and
    /// is Open, or `account` is its curator, one of its validators, or an approved requester.
    function hasAccess(uint256 datanetId, address account) external view returns (bool);

    /// @notice `account`'s access request status for Datanet `datanetId`.
    function accessOf(uint256 datanetId, address account) external view returns (AccessStatus);

    /// @notice The bond token.
    function token() external view returns (IERC20);

    /// @notice The account forfeited bonds are sent to.
    function treasury() external view returns (address);

    /// @notice Datanet `datanetId`, with the effective quorum and bond. Reverts with
    /// {DatanetNotFound} for an unknown id.
    function getDatanet(uint256 datanetId) external view returns (Datanet memory);

    /// @notice Contribution `contributionId`. Reverts with {DatanetContributionNotFound} for an unknown id.
    function getContribution(uint256 contributionId) external view returns (Contribution memory);

    /// @notice True when `account` is currently a validator of Datanet `datanetId`.
    function isValidator(uint256 datanetId, address account) external view returns (bool);

    /// @notice The current validators of Datanet `datanetId` (unordered).
    function getValidators(uint256 datanetId) external view returns (address[] memory);

    /// @notice The number of current validators of Datanet `datanetId`.
    function validatorCount(uint256 datanetId) external view returns (uint256);

    /// @notice The latest contribution of `contentHash` to Datanet `datanetId`, whatever its
    /// status (0 when never contributed).
    function contributionOf(uint256 datanetId, bytes32 contentHash) external view returns (uint256);

    /// @notice `validator`'s ballot on contribution `contributionId`.
    function voteOf(uint256 contributionId, address validator) external view returns (Vote);

    /// @notice Datanets ever created (the highest id).
    function datanetCount() external view returns (uint256);

    /// @notice Contributions ever submitted, across all Datanets (the highest id).
    function contributionCount() external view returns (uint256);
}
