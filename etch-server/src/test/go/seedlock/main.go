// The "#### 分布式乐观锁" (distributed optimistic lock) program from /work/shared/seed/etcd-notes.md,
// verbatim (only the package clause and the imports are added). It hard-codes 127.0.0.1:2379; it
// grants a 10 s lease with keep-alives, takes /cron/lock/job9 in a txn (CreateRevision == 0), and
// either prints "处理业务" and holds the lock for 10 s, then revokes the lease, or prints
// "锁已被占用： job9lock". Used by io.etch.process.SeedGoLockIT.
// Build in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 sources).
package main

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/etcd/clientv3"
)

/*分布式乐观锁：op操作、lease实现锁自动过期、txn事务：if else then
思路：上锁、处理业务、释放锁*/
func main() {
   var (
      err    error
      ctx    context.Context
      cancel context.CancelFunc

      config clientv3.Config
      client *clientv3.Client

      lease                  clientv3.Lease
      leaseGrantResp         *clientv3.LeaseGrantResponse
      leaseKeepAliveResp     *clientv3.LeaseKeepAliveResponse
      leaseKeepAliveRespChan <-chan *clientv3.LeaseKeepAliveResponse

      kv      clientv3.KV
      txn     clientv3.Txn
      txnResp *clientv3.TxnResponse
   )

   config = clientv3.Config{
      Endpoints:   []string{"127.0.0.1:2379"},
      DialTimeout: 5 * time.Second,
   }
   if client, err = clientv3.New(config); err != nil {
      fmt.Println(err)
      return
   }
   defer client.Close()

   /*1.上锁：创建租约，自动续租，拿租约去抢占一个key，谁第一个put上这个key，即抢到锁了*/

   /*租约：创建租约，自动续租*/
   lease = clientv3.NewLease(client)
   if leaseGrantResp, err = lease.Grant(context.TODO(), 10); err != nil {
      fmt.Println(err)
      return
   }
   defer lease.Revoke(context.TODO(), leaseGrantResp.ID) //确保函数退出时，立即释放租约

   ctx, cancel = context.WithCancel(context.TODO())
   defer cancel() //确保函数退出时，停止自动续租
   if leaseKeepAliveRespChan, err = lease.KeepAlive(ctx, leaseGrantResp.ID); err != nil {
      fmt.Println(err)
      return
   }
   go func() {
      for {
         select {
         case leaseKeepAliveResp = <-leaseKeepAliveRespChan:
            if leaseKeepAliveResp == nil {
               fmt.Println("租约失效")
               goto END
            } else {
               fmt.Println("收到续租响应", leaseKeepAliveResp.ID)
            }
         }
      }
   END:
   }()

   /*抢key：通过txn事务完成，if key不存在，then put这个key，else抢锁失败*/
   kv = clientv3.NewKV(client)
   txn = kv.Txn(context.TODO()) //创建事务
   txn.If(clientv3.Compare(clientv3.CreateRevision("/cron/lock/job9"), "=", 0)). //如果key不存在（key的CreateRevision=0）
      Then(clientv3.OpPut("/cron/lock/job9", "job9lock", clientv3.WithLease(leaseGrantResp.ID))). //执行putOp，可传多个op
      Else(clientv3.OpGet("/cron/lock/job9"))  //抢锁失败，取出来看看。。。同样是可以传入多个op
   if txnResp, err = txn.Commit(); err != nil { //提交事务
      fmt.Println(err)
      return
   }
   if !txnResp.Succeeded { //判断是否抢到了锁，如果没抢到，前面else是get操作，这里获取一下getResp(即rangeResp)
      fmt.Println("锁已被占用：", string(txnResp.Responses[0].GetResponseRange().Kvs[0].Value))
      return
   }

   /*2.处理业务
   已经在锁内了，很安全了*/
   fmt.Println("处理业务")
   time.Sleep(10 * time.Second)

   /*3.释放锁：取消自动续租，立即释放租约，释放租约同时该key也会被删掉，以实现立马释放锁
   前面defer做完了*/
}
