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
///   latest contribution was rejected or withdrawn.
contract DatanetRegistry is IDatanetRegistry, AccessControl, ReentrancyGuardTransient {
    using EnumerableSet for EnumerableSet.AddressSet;
    using SafeERC20 for IERC20;

    /// @inheritdoc IDatanetRegistry
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");

    /// @inheritdoc IDatanetRegistry
    uint256 public constant MAX_VALIDATORS = 100;

    IERC20 private immutable _token;
    address private _treasury;

    uint256 private _datanetCount;
    uint256 private _contributionCount;

    mapping(uint256 datanetId => Datanet) private _datanets;
    mapping(uint256 datanetId => EnumerableSet.AddressSet) private _validators;
    mapping(uint256 contributionId => Contribution) private _contributions;
    mapping(uint256 contributionId => mapping(address validator => Vote)) private _votes;
    mapping(uint256 datanetId => mapping(bytes32 contentHash => uint256 contributionId)) private _latestByHash;

    /// @param admin Receives {DEFAULT_ADMIN_ROLE} and {PARAMETER_ROLE}.
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
        uint16 quorum = _datanets[datanetId].quorum;
        if (quorum > set.length()) revert DatanetInvalidQuorum(quorum, set.length());
        emit ValidatorRemoved(datanetId, validator);
    }

    /// @inheritdoc IDatanetRegistry
    function setQuorum(uint256 datanetId, uint16 quorum) external onlyCurator(datanetId) {
        uint256 count = _validators[datanetId].length();
        if (quorum == 0 || quorum > count) revert DatanetInvalidQuorum(quorum, count);
        Datanet storage d = _datanets[datanetId];
        emit QuorumUpdated(datanetId, d.quorum, quorum);
        d.quorum = quorum;
    }

    /// @inheritdoc IDatanetRegistry
    function setContributionBond(uint256 datanetId, uint256 contributionBond) external onlyCurator(datanetId) {
        Datanet storage d = _datanets[datanetId];
        emit ContributionBondUpdated(datanetId, d.contributionBond, contributionBond);
        d.contributionBond = contributionBond;
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
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri)
        external
        nonReentrant
        returns (uint256 contributionId)
    {
        Datanet storage d = _requireDatanet(datanetId);
        if (contentHash == bytes32(0)) revert DatanetZeroContentHash();
        uint256 latest = _latestByHash[datanetId][contentHash];
        if (latest != 0) {
            ContributionStatus s = _contributions[latest].status;
            if (s == ContributionStatus.Pending || s == ContributionStatus.Accepted) {
                revert DatanetContentAlreadyContributed(datanetId, contentHash, latest);
            }
        }

        contributionId = ++_contributionCount;
        uint256 bond = d.contributionBond;
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
    function getDatanet(uint256 datanetId) external view returns (Datanet memory) {
        return _requireDatanet(datanetId);
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
