// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IDatanetRegistry} from "./IDatanetRegistry.sol";

/// @title DatanetRegistry
/// @notice Datanets: curated collections of contributed content, each contribution reviewed by
/// the Datanet's validators and backed by a bond the contributor loses if it is rejected.
/// @dev Design notes:
/// - The registry holds exactly the bonds of Pending contributions: a bond is pulled on
///   {contribute} and leaves on the first status change (back to the contributor on accept or
///   withdrawal, to the treasury on rejection). The token is assumed to be a plain ERC-20 (TRIB).
/// - Each contribution snapshots the Datanet's bond and quorum when it is submitted, so curator
///   changes never alter the terms of a contribution already under review, and the two tallies
///   cannot both reach the quorum (every vote comes from a distinct validator and the first side
///   to reach it resolves the contribution).
/// - Only current validators vote; a removed validator's earlier votes keep counting. A
///   contributor never votes on its own contribution. A contribution the validators cannot
///   resolve (e.g. the set shrank) stays Pending and its contributor can withdraw it.
/// - A content hash is live in a Datanet at most once: it can be resubmitted only after its
///   latest contribution was rejected (by anyone) or withdrawn (only by that contribution's
///   contributor, so a takedown does not free the content for someone else).
/// - Contributions are commit-reveal: {commitContent} records a hash of (Datanet, content hash,
///   contributor, salt) and {contribute} reveals it from a later block. A transaction copied from
///   the mempool is useless to a front-runner: the commit hides the content and binds the sender,
///   and the reveal needs a commit from an earlier block. Governance settles authorship disputes
///   the mechanism cannot see (content leaked before its author committed) with
///   {reassignContribution}.
/// - Once a validator has voted on a Pending contribution, its contributor cannot withdraw it
///   until {REVIEW_TIMEOUT} after submission (the bond is at stake while the review runs; the
///   timeout keeps a contribution the validators abandon from locking its bond forever).
/// - A curator's quorum and bond changes apply to contributions submitted
///   {PARAMETER_CHANGE_DELAY} after the change, and {contribute} takes the most bond the caller
///   accepts, so a contribution in flight never meets terms its contributor did not see.
/// - A Datanet's content is Open to everyone or Restricted: an account requests access with a
///   stated purpose and the curator approves or refuses (or revokes). {hasAccess} is the rule
///   off-chain content services enforce.
contract DatanetRegistry is IDatanetRegistry, AccessControl, ReentrancyGuardTransient {
    using EnumerableSet for EnumerableSet.AddressSet;
    using SafeERC20 for IERC20;

    /// @inheritdoc IDatanetRegistry
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");

    /// @inheritdoc IDatanetRegistry
    bytes32 public constant REASSIGN_ROLE = keccak256("REASSIGN_ROLE");

    /// @inheritdoc IDatanetRegistry
    uint256 public constant MAX_VALIDATORS = 100;

    /// @inheritdoc IDatanetRegistry
    uint64 public constant PARAMETER_CHANGE_DELAY = 1 days;

    /// @inheritdoc IDatanetRegistry
    uint64 public constant REVIEW_TIMEOUT = 30 days;

    /// @inheritdoc IDatanetRegistry
    uint256 public constant MAX_PURPOSE_LENGTH = 1024;

    IERC20 private immutable _token;
    address private _treasury;

    uint256 private _datanetCount;
    uint256 private _contributionCount;

    mapping(uint256 datanetId => Datanet) private _datanets;
    mapping(uint256 datanetId => EnumerableSet.AddressSet) private _validators;
    mapping(uint256 contributionId => Contribution) private _contributions;
    mapping(uint256 contributionId => mapping(address validator => Vote)) private _votes;
    mapping(uint256 datanetId => mapping(bytes32 contentHash => uint256 contributionId)) private _latestByHash;
    mapping(uint256 datanetId => PendingParams) private _pending;
    mapping(bytes32 commitment => uint256 blockNumber) private _commitments;
    mapping(uint256 datanetId => mapping(address account => AccessStatus)) private _access;

    /// @param admin Receives {DEFAULT_ADMIN_ROLE}, {PARAMETER_ROLE} and {REASSIGN_ROLE}.
    /// @param token_ The bond token.
    /// @param treasury_ Receives forfeited bonds.
    constructor(address admin, IERC20 token_, address treasury_) {
        if (admin == address(0) || address(token_) == address(0) || treasury_ == address(0)) {
            revert DatanetZeroAddress();
        }
        _token = token_;
        _treasury = treasury_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
        _grantRole(REASSIGN_ROLE, admin);
        emit TreasuryUpdated(address(0), treasury_);
    }

    modifier onlyCurator(uint256 datanetId) {
        _checkCurator(datanetId);
        _;
    }

    // ---------------------------------------------------------------------------------------
    // External: Datanets
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function createDatanet(
        string calldata name,
        string calldata metadataURI,
        address[] calldata validators,
        uint16 quorum,
        uint256 contributionBond
    ) external returns (uint256 datanetId) {
        if (validators.length > MAX_VALIDATORS) revert DatanetTooManyValidators(validators.length, MAX_VALIDATORS);
        if (quorum == 0 || quorum > validators.length) revert DatanetInvalidQuorum(quorum, validators.length);

        datanetId = ++_datanetCount;
        EnumerableSet.AddressSet storage set = _validators[datanetId];
        for (uint256 i = 0; i < validators.length; ++i) {
            address validator = validators[i];
            if (validator == address(0)) revert DatanetZeroAddress();
            if (!set.add(validator)) revert DatanetValidatorExists(datanetId, validator);
        }

        Datanet storage d = _datanets[datanetId];
        d.curator = msg.sender;
        d.quorum = quorum;
        d.createdAt = uint64(block.timestamp);
        d.contributionBond = contributionBond;
        d.name = name;
        d.metadataURI = metadataURI;

        emit DatanetCreated(datanetId, msg.sender, name, metadataURI, validators, quorum, contributionBond);
    }

    /// @inheritdoc IDatanetRegistry
    function addValidator(uint256 datanetId, address validator) external onlyCurator(datanetId) {
        if (validator == address(0)) revert DatanetZeroAddress();
        EnumerableSet.AddressSet storage set = _validators[datanetId];
        if (set.length() >= MAX_VALIDATORS) revert DatanetTooManyValidators(set.length() + 1, MAX_VALIDATORS);
        if (!set.add(validator)) revert DatanetValidatorExists(datanetId, validator);
        emit ValidatorAdded(datanetId, validator);
    }

    /// @inheritdoc IDatanetRegistry
    function removeValidator(uint256 datanetId, address validator) external onlyCurator(datanetId) {
        EnumerableSet.AddressSet storage set = _validators[datanetId];
        if (!set.remove(validator)) revert DatanetNotValidator(datanetId, validator);
        // Both the quorum in force and a scheduled one must stay reachable.
        Datanet storage d = _applyPending(datanetId);
        uint256 count = set.length();
        if (d.quorum > count) revert DatanetInvalidQuorum(d.quorum, count);
        PendingParams storage pp = _pending[datanetId];
        if (pp.quorumEffectiveAt != 0 && pp.quorum > count) revert DatanetInvalidQuorum(pp.quorum, count);
        emit ValidatorRemoved(datanetId, validator);
    }

    /// @inheritdoc IDatanetRegistry
    function setQuorum(uint256 datanetId, uint16 quorum) external onlyCurator(datanetId) {
        uint256 count = _validators[datanetId].length();
        if (quorum == 0 || quorum > count) revert DatanetInvalidQuorum(quorum, count);
        Datanet storage d = _applyPending(datanetId);
        PendingParams storage pp = _pending[datanetId];
        uint64 effectiveAt = uint64(block.timestamp) + PARAMETER_CHANGE_DELAY;
        pp.quorum = quorum;
        pp.quorumEffectiveAt = effectiveAt;
        emit QuorumChangeScheduled(datanetId, d.quorum, quorum, effectiveAt);
    }

    /// @inheritdoc IDatanetRegistry
    function setContributionBond(uint256 datanetId, uint256 contributionBond) external onlyCurator(datanetId) {
        Datanet storage d = _applyPending(datanetId);
        PendingParams storage pp = _pending[datanetId];
        uint64 effectiveAt = uint64(block.timestamp) + PARAMETER_CHANGE_DELAY;
        pp.contributionBond = contributionBond;
        pp.bondEffectiveAt = effectiveAt;
        emit ContributionBondChangeScheduled(datanetId, d.contributionBond, contributionBond, effectiveAt);
    }

    /// @inheritdoc IDatanetRegistry
    function setAccessPolicy(uint256 datanetId, AccessPolicy policy) external onlyCurator(datanetId) {
        _datanets[datanetId].accessPolicy = policy;
        emit DatanetAccessPolicySet(datanetId, policy);
    }

    /// @inheritdoc IDatanetRegistry
    function requestAccess(uint256 datanetId, string calldata purpose) external {
        Datanet storage d = _requireDatanet(datanetId);
        if (d.accessPolicy != AccessPolicy.Restricted) revert DatanetNotRestricted(datanetId);
        uint256 length = bytes(purpose).length;
        if (length == 0 || length > MAX_PURPOSE_LENGTH) revert DatanetInvalidPurpose(length, MAX_PURPOSE_LENGTH);
        AccessStatus status = _access[datanetId][msg.sender];
        if (status == AccessStatus.Requested || status == AccessStatus.Approved) {
            revert DatanetAccessUnchanged(datanetId, msg.sender, status);
        }
        _access[datanetId][msg.sender] = AccessStatus.Requested;
        emit DatanetAccessRequested(datanetId, msg.sender, purpose);
    }

    /// @inheritdoc IDatanetRegistry
    function decideAccess(uint256 datanetId, address account, bool approve) external onlyCurator(datanetId) {
        if (account == address(0)) revert DatanetZeroAddress();
        AccessStatus status = _access[datanetId][account];
        AccessStatus next = approve ? AccessStatus.Approved : AccessStatus.Refused;
        if (status == next) revert DatanetAccessUnchanged(datanetId, account, status);
        _access[datanetId][account] = next;
        emit DatanetAccessDecided(datanetId, account, msg.sender, approve);
    }

    /// @inheritdoc IDatanetRegistry
    function setMetadataURI(uint256 datanetId, string calldata metadataURI) external onlyCurator(datanetId) {
        _datanets[datanetId].metadataURI = metadataURI;
        emit DatanetMetadataUpdated(datanetId, metadataURI);
    }

    /// @inheritdoc IDatanetRegistry
    function transferCuratorship(uint256 datanetId, address newCurator) external onlyCurator(datanetId) {
        _datanets[datanetId].pendingCurator = newCurator;
        emit CuratorshipTransferStarted(datanetId, msg.sender, newCurator);
    }

    /// @inheritdoc IDatanetRegistry
    function acceptCuratorship(uint256 datanetId) external {
        Datanet storage d = _requireDatanet(datanetId);
        if (d.pendingCurator != msg.sender) revert DatanetNotPendingCurator(datanetId, msg.sender);
        address previous = d.curator;
        d.curator = msg.sender;
        d.pendingCurator = address(0);
        emit CuratorshipTransferred(datanetId, previous, msg.sender);
    }

    // ---------------------------------------------------------------------------------------
    // External: contributions
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function commitContent(bytes32 commitment) external {
        if (_commitments[commitment] != 0) return;
        _commitments[commitment] = block.number;
        emit ContentCommitted(commitment, msg.sender);
    }

    /// @inheritdoc IDatanetRegistry
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri, uint256 maxBond, bytes32 salt)
        external
        nonReentrant
        returns (uint256 contributionId)
    {
        _requireDatanet(datanetId);
        if (contentHash == bytes32(0)) revert DatanetZeroContentHash();
        _checkResubmission(datanetId, contentHash);
        Datanet storage d = _applyPending(datanetId);
        uint256 bond = d.contributionBond;
        if (bond > maxBond) revert DatanetBondAboveMax(bond, maxBond);
        // Checked last, so bad input gets its own error first.
        _consumeCommitment(_commitmentOf(datanetId, contentHash, msg.sender, salt));

        contributionId = ++_contributionCount;
        uint16 quorum = d.quorum;
        // Cannot overflow: bounded by the global contribution counter, itself a checked uint256.
        unchecked {
            ++d.contributionCount;
        }
        _latestByHash[datanetId][contentHash] = contributionId;

        Contribution storage c = _contributions[contributionId];
        c.datanetId = datanetId;
        c.contentHash = contentHash;
        c.bond = bond;
        c.contributor = msg.sender;
        c.status = ContributionStatus.Pending;
        c.quorum = quorum;
        c.submittedAt = uint64(block.timestamp);
        c.uri = uri;

        emit ContributionSubmitted(contributionId, datanetId, msg.sender, contentHash, uri, bond, quorum);

        if (bond != 0) _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IDatanetRegistry
    function vote(uint256 contributionId, bool accept) external nonReentrant {
        Contribution storage c = _requireContribution(contributionId);
        if (c.status != ContributionStatus.Pending) revert DatanetContributionNotPending(contributionId, c.status);
        uint256 datanetId = c.datanetId;
        if (!_validators[datanetId].contains(msg.sender)) revert DatanetNotValidator(datanetId, msg.sender);
        if (c.contributor == msg.sender) revert DatanetContributorCannotVote(contributionId, msg.sender);
        mapping(address => Vote) storage ballots = _votes[contributionId];
        if (ballots[msg.sender] != Vote.None) revert DatanetAlreadyVoted(contributionId, msg.sender);

        ballots[msg.sender] = accept ? Vote.Accept : Vote.Reject;
        uint16 acceptVotes = c.acceptVotes;
        uint16 rejectVotes = c.rejectVotes;
        // Cannot overflow: each tally counts distinct validators, and a Pending contribution
        // stops taking votes once a tally reaches its quorum (a uint16).
        unchecked {
            if (accept) c.acceptVotes = ++acceptVotes;
            else c.rejectVotes = ++rejectVotes;
        }
        emit ContributionVoted(contributionId, msg.sender, accept, acceptVotes, rejectVotes);

        if (accept && acceptVotes >= c.quorum) {
            _accept(contributionId, c);
        } else if (!accept && rejectVotes >= c.quorum) {
            _reject(contributionId, c);
        }
    }

    /// @inheritdoc IDatanetRegistry
    function withdrawContribution(uint256 contributionId) external nonReentrant {
        Contribution storage c = _requireContribution(contributionId);
        address contributor = c.contributor;
        if (contributor != msg.sender) revert DatanetNotContributor(contributionId, msg.sender);
        ContributionStatus status = c.status;
        if (status != ContributionStatus.Pending && status != ContributionStatus.Accepted) {
            revert DatanetContributionNotWithdrawable(contributionId, status);
        }

        if (status == ContributionStatus.Pending && (c.acceptVotes != 0 || c.rejectVotes != 0)) {
            uint64 reviewEndsAt = c.submittedAt + REVIEW_TIMEOUT;
            // Review windows are weeks long; validator timestamp drift (seconds) cannot matter.
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp < reviewEndsAt) revert DatanetContributionUnderReview(contributionId, reviewEndsAt);
        }

        uint256 refund = status == ContributionStatus.Pending ? c.bond : 0;
        c.status = ContributionStatus.Withdrawn;
        c.resolvedAt = uint64(block.timestamp);
        emit ContributionWithdrawn(contributionId, c.datanetId, contributor, refund);

        if (refund != 0) _token.safeTransfer(contributor, refund);
    }

    // ---------------------------------------------------------------------------------------
    // External: governance
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function setTreasury(address treasury_) external onlyRole(PARAMETER_ROLE) {
        if (treasury_ == address(0)) revert DatanetZeroAddress();
        emit TreasuryUpdated(_treasury, treasury_);
        _treasury = treasury_;
    }

    /// @inheritdoc IDatanetRegistry
    function reassignContribution(uint256 contributionId, address newContributor) external onlyRole(REASSIGN_ROLE) {
        if (newContributor == address(0)) revert DatanetZeroAddress();
        Contribution storage c = _requireContribution(contributionId);
        ContributionStatus status = c.status;
        if (status != ContributionStatus.Accepted && status != ContributionStatus.Withdrawn) {
            revert DatanetContributionNotReassignable(contributionId, status);
        }
        address previous = c.contributor;
        c.contributor = newContributor;
        emit ContributionReassigned(contributionId, c.datanetId, previous, newContributor);
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    function _accept(uint256 contributionId, Contribution storage c) private {
        address contributor = c.contributor;
        uint256 bond = c.bond;
        c.status = ContributionStatus.Accepted;
        c.resolvedAt = uint64(block.timestamp);
        emit ContributionAccepted(contributionId, c.datanetId, contributor, bond);
        if (bond != 0) _token.safeTransfer(contributor, bond);
    }

    function _reject(uint256 contributionId, Contribution storage c) private {
        address treasury_ = _treasury;
        uint256 bond = c.bond;
        c.status = ContributionStatus.Rejected;
        c.resolvedAt = uint64(block.timestamp);
        emit ContributionRejected(contributionId, c.datanetId, c.contributor, bond, treasury_);
        if (bond != 0) _token.safeTransfer(treasury_, bond);
    }

    /// @dev A content hash Pending or Accepted is taken; one Withdrawn is bound to its contributor.
    function _checkResubmission(uint256 datanetId, bytes32 contentHash) private view {
        uint256 latest = _latestByHash[datanetId][contentHash];
        if (latest == 0) return;
        Contribution storage prev = _contributions[latest];
        ContributionStatus s = prev.status;
        if (s == ContributionStatus.Pending || s == ContributionStatus.Accepted) {
            revert DatanetContentAlreadyContributed(datanetId, contentHash, latest);
        }
        if (s == ContributionStatus.Withdrawn && prev.contributor != msg.sender) {
            revert DatanetContentBoundToContributor(datanetId, contentHash, prev.contributor);
        }
    }

    /// @dev Consumes a commitment made in an earlier block.
    function _consumeCommitment(bytes32 commitment) private {
        uint256 committedAt = _commitments[commitment];
        if (committedAt == 0) revert DatanetNoCommitment(commitment);
        if (committedAt >= block.number) revert DatanetCommitmentTooRecent(commitment, committedAt);
        delete _commitments[commitment];
    }

    /// @dev Writes scheduled quorum / bond changes that are due into the Datanet.
    function _applyPending(uint256 datanetId) private returns (Datanet storage d) {
        d = _datanets[datanetId];
        PendingParams storage pp = _pending[datanetId];
        uint64 now_ = uint64(block.timestamp);
        uint64 quorumAt = pp.quorumEffectiveAt;
        // forge-lint: disable-next-line(block-timestamp)
        if (quorumAt != 0 && now_ >= quorumAt) {
            d.quorum = pp.quorum;
            pp.quorum = 0;
            pp.quorumEffectiveAt = 0;
        }
        uint64 bondAt = pp.bondEffectiveAt;
        // forge-lint: disable-next-line(block-timestamp)
        if (bondAt != 0 && now_ >= bondAt) {
            d.contributionBond = pp.contributionBond;
            pp.contributionBond = 0;
            pp.bondEffectiveAt = 0;
        }
    }

    function _commitmentOf(uint256 datanetId, bytes32 contentHash, address contributor, bytes32 salt)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(datanetId, contentHash, contributor, salt));
    }

    function _checkCurator(uint256 datanetId) private view {
        if (_requireDatanet(datanetId).curator != msg.sender) revert DatanetNotCurator(datanetId, msg.sender);
    }

    function _requireDatanet(uint256 datanetId) private view returns (Datanet storage d) {
        d = _datanets[datanetId];
        if (d.curator == address(0)) revert DatanetNotFound(datanetId);
    }

    function _requireContribution(uint256 contributionId) private view returns (Contribution storage c) {
        c = _contributions[contributionId];
        if (c.status == ContributionStatus.None) revert DatanetContributionNotFound(contributionId);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function datanetExists(uint256 datanetId) external view returns (bool) {
        return _datanets[datanetId].curator != address(0);
    }

    /// @inheritdoc IDatanetRegistry
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IDatanetRegistry
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IDatanetRegistry
    function getDatanet(uint256 datanetId) external view returns (Datanet memory d) {
        d = _requireDatanet(datanetId);
        PendingParams storage pp = _pending[datanetId];
        // forge-lint: disable-next-line(block-timestamp)
        if (pp.quorumEffectiveAt != 0 && block.timestamp >= pp.quorumEffectiveAt) d.quorum = pp.quorum;
        // forge-lint: disable-next-line(block-timestamp)
        if (pp.bondEffectiveAt != 0 && block.timestamp >= pp.bondEffectiveAt) d.contributionBond = pp.contributionBond;
    }

    /// @inheritdoc IDatanetRegistry
    function pendingParams(uint256 datanetId) external view returns (PendingParams memory pp) {
        pp = _pending[datanetId];
        // forge-lint: disable-next-line(block-timestamp)
        if (pp.quorumEffectiveAt != 0 && block.timestamp >= pp.quorumEffectiveAt) {
            pp.quorum = 0;
            pp.quorumEffectiveAt = 0;
        }
        // forge-lint: disable-next-line(block-timestamp)
        if (pp.bondEffectiveAt != 0 && block.timestamp >= pp.bondEffectiveAt) {
            pp.contributionBond = 0;
            pp.bondEffectiveAt = 0;
        }
    }

    /// @inheritdoc IDatanetRegistry
    function contributionCommitment(uint256 datanetId, bytes32 contentHash, address contributor, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return _commitmentOf(datanetId, contentHash, contributor, salt);
    }

    /// @inheritdoc IDatanetRegistry
    function commitmentBlock(bytes32 commitment) external view returns (uint256) {
        return _commitments[commitment];
    }

    /// @inheritdoc IDatanetRegistry
    function hasAccess(uint256 datanetId, address account) external view returns (bool) {
        Datanet storage d = _datanets[datanetId];
        if (d.curator == address(0)) return false;
        if (d.accessPolicy == AccessPolicy.Open) return true;
        return _access[datanetId][account] == AccessStatus.Approved || account == d.curator
            || _validators[datanetId].contains(account);
    }

    /// @inheritdoc IDatanetRegistry
    function accessOf(uint256 datanetId, address account) external view returns (AccessStatus) {
        return _access[datanetId][account];
    }

    /// @inheritdoc IDatanetRegistry
    function getContribution(uint256 contributionId) external view returns (Contribution memory) {
        return _requireContribution(contributionId);
    }

    /// @inheritdoc IDatanetRegistry
    function isValidator(uint256 datanetId, address account) external view returns (bool) {
        return _validators[datanetId].contains(account);
    }

    /// @inheritdoc IDatanetRegistry
    function getValidators(uint256 datanetId) external view returns (address[] memory) {
        return _validators[datanetId].values();
    }

    /// @inheritdoc IDatanetRegistry
    function validatorCount(uint256 datanetId) external view returns (uint256) {
        return _validators[datanetId].length();
    }

    /// @inheritdoc IDatanetRegistry
    function contributionOf(uint256 datanetId, bytes32 contentHash) external view returns (uint256) {
        return _latestByHash[datanetId][contentHash];
    }

    /// @inheritdoc IDatanetRegistry
    function voteOf(uint256 contributionId, address validator) external view returns (Vote) {
        return _votes[contributionId][validator];
    }

    /// @inheritdoc IDatanetRegistry
    function datanetCount() external view returns (uint256) {
        return _datanetCount;
    }

    /// @inheritdoc IDatanetRegistry
    function contributionCount() external view returns (uint256) {
        return _contributionCount;
    }
}
