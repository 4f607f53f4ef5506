// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {DatanetRegistry} from "../../../src/registry/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../../src/registry/IDatanetRegistry.sol";
import {TributaryToken} from "../../../src/token/TributaryToken.sol";

/// @dev Drives the registry with several contributors, a pool of validators and a curator, and
/// keeps an independent model of every contribution (status, tallies, bond) plus the money
/// that moved. Each action predicts whether the call must succeed; a mismatch is counted in
/// `ghostMispredictions`, so the invariant suite catches both wrong reverts and missing ones.
contract DatanetRegistryHandler is Test {
    using Status for IDatanetRegistry.ContributionStatus;

    uint256 internal constant DATANETS = 2;
    uint256 internal constant HASHES = 5;
    uint256 internal constant POOL = 5;

    DatanetRegistry public immutable registry;
    TributaryToken public immutable token;
    address public immutable treasury;
    address public immutable curator;

    address[] internal _contributors;
    address[] internal _pool;

    struct Model {
        uint256 datanetId;
        address contributor;
        uint256 bond;
        uint16 quorum;
        uint16 accepts;
        uint16 rejects;
        IDatanetRegistry.ContributionStatus status;
        bytes32 contentHash;
        uint64 submittedAt;
    }

    Model[] internal _models; // index = contributionId - 1
    mapping(uint256 contributionId => mapping(address => bool)) internal _voted;
    mapping(uint256 datanetId => mapping(address => bool)) internal _isValidator;
    mapping(uint256 datanetId => uint256) internal _validatorCount;
    mapping(uint256 datanetId => uint16) internal _quorum;
    mapping(uint256 datanetId => uint256) internal _bond;
    // Scheduled curator changes (effective from the timestamp; 0: none).
    mapping(uint256 datanetId => uint16) internal _pendingQuorum;
    mapping(uint256 datanetId => uint64) internal _quorumAt;
    mapping(uint256 datanetId => uint256) internal _pendingBond;
    mapping(uint256 datanetId => uint64) internal _bondAt;
    mapping(uint256 datanetId => mapping(bytes32 => uint256)) public ghostLatest;

    uint256 public ghostDeposited;
    uint256 public ghostReturned;
    uint256 public ghostForfeited;
    uint256 public ghostMinted;
    uint256 public ghostMispredictions;
    uint256 public ghostBadTransitions;
    // Reach: how often the money paths actually moved tokens.
    uint256 public ghostContributeCalls;
    uint256 public ghostContributions;
    uint256 public ghostResolutions;
    uint256 public ghostWithdrawCalls;
    uint256 public ghostPendingWithdrawals;
    uint256 public ghostLockedWithdrawals;
    bytes32 internal constant SALT = keccak256("handler-salt");

    constructor(DatanetRegistry registry_, TributaryToken token_, address treasury_, address admin) {
        registry = registry_;
        token = token_;
        treasury = treasury_;
        curator = makeAddr("curator");

        for (uint256 i = 0; i < POOL; ++i) {
            _pool.push(makeAddr(string.concat("validator", vm.toString(i))));
        }
        for (uint256 i = 0; i < 3; ++i) {
            _contributors.push(makeAddr(string.concat("contributor", vm.toString(i))));
        }
        _contributors.push(_pool[0]); // a validator that also contributes
        for (uint256 i = 0; i < _contributors.length; ++i) {
            vm.prank(admin);
            token_.mint(_contributors[i], 1e30);
            ghostMinted += 1e30;
            vm.prank(_contributors[i]);
            token_.approve(address(registry_), type(uint256).max);
        }

        // Datanet 1: validators 0..2, quorum 2. Datanet 2: validators 0..4, quorum 3.
        for (uint256 d = 1; d <= DATANETS; ++d) {
            uint256 n = d == 1 ? 3 : 5;
            address[] memory vs = new address[](n);
            for (uint256 i = 0; i < n; ++i) {
                vs[i] = _pool[i];
                _isValidator[d][_pool[i]] = true;
            }
            uint16 q = d == 1 ? 2 : 3;
            uint256 bond = d * 1e18;
            vm.prank(curator);
            registry_.createDatanet("dn", "uri", vs, q, bond);
            _validatorCount[d] = n;
            _quorum[d] = q;
            _bond[d] = bond;
        }
    }

    // ----------------------------------------------------------------------------- actions

    function contribute(uint256 actorSeed, uint256 datanetSeed, uint256 hashSeed) external {
        address who = _contributors[actorSeed % _contributors.length];
        uint256 d = 1 + datanetSeed % DATANETS;
        bytes32 h = keccak256(abi.encode("content", hashSeed % HASHES));
        uint256 latest = ghostLatest[d][h];
        bool expectOk = latest == 0 || _models[latest - 1].status == IDatanetRegistry.ContributionStatus.Rejected
            || (_models[latest - 1].status == IDatanetRegistry.ContributionStatus.Withdrawn
                && _models[latest - 1].contributor == who);
        _applyDue(d);
        ++ghostContributeCalls;

        vm.prank(who);
        registry.commitContent(keccak256(abi.encode(d, h, who, SALT)));
        vm.roll(block.number + 1);
        vm.prank(who);
        try registry.contribute(d, h, "uri", _bond[d], SALT) returns (uint256 id) {
            ++ghostContributions;
            if (!expectOk || id != _models.length + 1) ++ghostMispredictions;
            _models.push(
                Model({
                    datanetId: d,
                    contributor: who,
                    bond: _bond[d],
                    quorum: _quorum[d],
                    accepts: 0,
                    rejects: 0,
                    status: IDatanetRegistry.ContributionStatus.Pending,
                    contentHash: h,
                    submittedAt: uint64(block.timestamp)
                })
            );
            ghostLatest[d][h] = id;
            ghostDeposited += _bond[d];
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
    }

    function vote(uint256 voterSeed, uint256 idSeed, bool accept) external {
        if (_models.length == 0) return;
        uint256 id = 1 + idSeed % _models.length;
        address voter = _pool[voterSeed % POOL];
        Model storage m = _models[id - 1];
        bool expectOk = m.status == IDatanetRegistry.ContributionStatus.Pending
            && _isValidator[m.datanetId][voter] && voter != m.contributor && !_voted[id][voter];
        IDatanetRegistry.ContributionStatus before = registry.getContribution(id).status;

        vm.prank(voter);
        try registry.vote(id, accept) {
            if (!expectOk) ++ghostMispredictions;
            _voted[id][voter] = true;
            if (accept && ++m.accepts >= m.quorum) {
                m.status = IDatanetRegistry.ContributionStatus.Accepted;
                ghostReturned += m.bond;
                ++ghostResolutions;
            } else if (!accept && ++m.rejects >= m.quorum) {
                m.status = IDatanetRegistry.ContributionStatus.Rejected;
                ghostForfeited += m.bond;
                ++ghostResolutions;
            }
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
        _checkTransition(before, registry.getContribution(id).status);
    }

    function withdraw(uint256 idSeed, bool asContributor) external {
        if (_models.length == 0) return;
        uint256 id = 1 + idSeed % _models.length;
        Model storage m = _models[id - 1];
        address caller = asContributor ? m.contributor : _pool[4];
        // M2: once a validator voted, a Pending contribution is locked until the review timeout.
        bool locked = m.status == IDatanetRegistry.ContributionStatus.Pending && m.accepts + m.rejects > 0
            && block.timestamp < m.submittedAt + registry.REVIEW_TIMEOUT();
        bool expectOk = caller == m.contributor && m.status.isLive() && !locked;
        IDatanetRegistry.ContributionStatus before = registry.getContribution(id).status;
        ++ghostWithdrawCalls;
        if (locked && caller == m.contributor) ++ghostLockedWithdrawals;

        vm.prank(caller);
        try registry.withdrawContribution(id) {
            if (!expectOk) ++ghostMispredictions;
            if (m.status == IDatanetRegistry.ContributionStatus.Pending) {
                ghostReturned += m.bond;
                ++ghostPendingWithdrawals;
            }
            m.status = IDatanetRegistry.ContributionStatus.Withdrawn;
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
        _checkTransition(before, registry.getContribution(id).status);
    }

    function toggleValidator(uint256 datanetSeed, uint256 validatorSeed) external {
        uint256 d = 1 + datanetSeed % DATANETS;
        address v = _pool[validatorSeed % POOL];
        vm.prank(curator);
        _applyDue(d);
        if (_isValidator[d][v]) {
            bool expectOk = _validatorCount[d] - 1 >= _quorum[d]
                && (_quorumAt[d] == 0 || _validatorCount[d] - 1 >= _pendingQuorum[d]);
            try registry.removeValidator(d, v) {
                if (!expectOk) ++ghostMispredictions;
                _isValidator[d][v] = false;
                --_validatorCount[d];
            } catch {
                if (expectOk) ++ghostMispredictions;
            }
        } else {
            try registry.addValidator(d, v) {
                _isValidator[d][v] = true;
                ++_validatorCount[d];
            } catch {
                ++ghostMispredictions;
            }
        }
    }

    function setQuorum(uint256 datanetSeed, uint16 quorum) external {
        uint256 d = 1 + datanetSeed % DATANETS;
        quorum = uint16(bound(quorum, 0, POOL + 1));
        bool expectOk = quorum != 0 && quorum <= _validatorCount[d];
        _applyDue(d);
        vm.prank(curator);
        try registry.setQuorum(d, quorum) {
            if (!expectOk) ++ghostMispredictions;
            _pendingQuorum[d] = quorum;
            _quorumAt[d] = uint64(block.timestamp) + registry.PARAMETER_CHANGE_DELAY();
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
    }

    function setBond(uint256 datanetSeed, uint256 bond) external {
        uint256 d = 1 + datanetSeed % DATANETS;
        bond = bound(bond, 0, 1_000e18);
        _applyDue(d);
        vm.prank(curator);
        registry.setContributionBond(d, bond);
        _pendingBond[d] = bond;
        _bondAt[d] = uint64(block.timestamp) + registry.PARAMETER_CHANGE_DELAY();
    }

    /// @dev The model's copy of the registry's lazy application of scheduled changes.
    function _applyDue(uint256 d) internal {
        if (_quorumAt[d] != 0 && block.timestamp >= _quorumAt[d]) {
            _quorum[d] = _pendingQuorum[d];
            _quorumAt[d] = 0;
        }
        if (_bondAt[d] != 0 && block.timestamp >= _bondAt[d]) {
            _bond[d] = _pendingBond[d];
            _bondAt[d] = 0;
        }
    }

    function warp(uint256 secondsForward) external {
        vm.warp(block.timestamp + bound(secondsForward, 0, 10 days));
    }

    // ----------------------------------------------------------------------------- ghost views

    function modelCount() external view returns (uint256) {
        return _models.length;
    }

    function models() external view returns (Model[] memory) {
        return _models;
    }

    function contributors() external view returns (address[] memory) {
        return _contributors;
    }

    function _checkTransition(IDatanetRegistry.ContributionStatus from, IDatanetRegistry.ContributionStatus to)
        internal
    {
        if (from == to) return;
        bool ok = (from == IDatanetRegistry.ContributionStatus.Pending && to != IDatanetRegistry.ContributionStatus.None)
            || (from == IDatanetRegistry.ContributionStatus.Accepted && to == IDatanetRegistry.ContributionStatus.Withdrawn);
        if (!ok) ++ghostBadTransitions;
    }
}

library Status {
    /// A live contribution holds its content hash in the Datanet.
    function isLive(IDatanetRegistry.ContributionStatus s) internal pure returns (bool) {
        return s == IDatanetRegistry.ContributionStatus.Pending || s == IDatanetRegistry.ContributionStatus.Accepted;
    }
}
