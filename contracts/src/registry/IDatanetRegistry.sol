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

    /// @notice A Datanet. The validator set is read through {getValidators} / {isValidator}.
    /// @param curator Manages validators, quorum, bond and metadata.
    /// @param quorum Votes on one side needed to resolve contributions submitted from now on.
    /// @param createdAt Creation time.
    /// @param pendingCurator Account that may accept the curatorship (zero when none).
    /// @param contributionBond Bond pulled from each new contribution.
    /// @param contributionCount Contributions ever submitted to this Datanet.
    /// @param name Human-readable name.
    /// @param metadataURI Where the Datanet's description lives.
    struct Datanet {
        address curator;
        uint16 quorum;
        uint64 createdAt;
        address pendingCurator;
        uint256 contributionBond;
        uint256 contributionCount;
        string name;
        string metadataURI;
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
    /// @notice The quorum of Datanet `datanetId` changed (for contributions submitted from now on).
    event QuorumUpdated(uint256 indexed datanetId, uint16 oldQuorum, uint16 newQuorum);
    /// @notice The contribution bond of Datanet `datanetId` changed (for new contributions).
    event ContributionBondUpdated(uint256 indexed datanetId, uint256 oldBond, uint256 newBond);
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

    /// @notice Sets the quorum for contributions submitted to Datanet `datanetId` from now on.
    /// Only the curator.
    /// @dev Requirements: `1 <= quorum <= validator count`.
    /// Emits a {QuorumUpdated} event.
    function setQuorum(uint256 datanetId, uint16 quorum) external;

    /// @notice Sets the bond pulled from new contributions to Datanet `datanetId`. Only the curator.
    /// @dev Emits a {ContributionBondUpdated} event.
    function setContributionBond(uint256 datanetId, uint256 contributionBond) external;

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

    /// @notice Submits `contentHash` (fetchable at `uri`) to Datanet `datanetId`, pulling the
    /// Datanet's current contribution bond from the caller (approve it first).
    /// @dev Requirements: `contentHash` MUST be non-zero and MUST NOT be Pending or Accepted in
    /// this Datanet already (it may be resubmitted after a rejection or a withdrawal).
    /// Emits a {ContributionSubmitted} event.
    /// @return contributionId The new contribution's id (counting from 1, across all Datanets).
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri)
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
    /// @dev Requirements: the caller MUST be the contributor; the status MUST be Pending or Accepted.
    /// Emits a {ContributionWithdrawn} event.
    function withdrawContribution(uint256 contributionId) external;

    // ---------------------------------------------------------------------------------------
    // Governance
    // ---------------------------------------------------------------------------------------

    /// @notice Sets the account that receives forfeited bonds. Only the parameter role.
    /// @dev Emits a {TreasuryUpdated} event.
    function setTreasury(address treasury) external;

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice True when a Datanet with this id was created.
    function datanetExists(uint256 datanetId) external view returns (bool);

    /// @notice The most validators a Datanet may have.
    function MAX_VALIDATORS() external view returns (uint256);

    /// @notice Role allowed to change the treasury.
    function PARAMETER_ROLE() external view returns (bytes32);

    /// @notice The bond token.
    function token() external view returns (IERC20);

    /// @notice The account forfeited bonds are sent to.
    function treasury() external view returns (address);

    /// @notice Datanet `datanetId`. Reverts with {DatanetNotFound} for an unknown id.
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
