// The "#### lease" program from /work/shared/seed/etcd-notes.md, verbatim (only the package clause
// and the imports are added). It hard-codes 127.0.0.1:2379; it grants a 10 s lease, starts
// keep-alives (a goroutine prints each response), puts /cron/lock/job1 with the lease, prints the
// revision and exits at once. Used by io.etch.process.SeedGoLeaseIT.
// Build in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 sources).
package main

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/etcd/clientv3"
)

func main() {
   var (
      err     error
      config  clientv3.Config
      client  *clientv3.Client
      kv      clientv3.KV
      putResp *clientv3.PutResponse

      /*lease：租约*/
      lease                  clientv3.Lease
      leaseGrantResp         *clientv3.LeaseGrantResponse
      leaseKeepAliveResp     *clientv3.LeaseKeepAliveResponse
      leaseKeepAliveRespChan <-chan *clientv3.LeaseKeepAliveResponse
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

   /*创建租约*/
   lease = clientv3.NewLease(client)

   /*申请租约。单位：秒*/
   if leaseGrantResp, err = lease.Grant(context.TODO(), 10); err != nil {
      fmt.Println(err)
      return
   }

   /*KeepAlive：续租
   将启动一个协程自动延续心跳续租，默认每3秒续租一次，续租时间为申请租约时的时间，KeepAliveOnce则只续租一次
   续租不是由原来的祖约时间加新的租约时间，而是重新设置租约时间，从续租时开始计算
   返回一个只读chan，它将定时将续租的响应写入chan，我们可以读取出来查看
   通过context取消或者过期取消等，也可以使心跳中断，ctx, _ := context.WithTimeout(context, 5*time.Second)*/
   if leaseKeepAliveRespChan, err = lease.KeepAlive(context.TODO(), leaseGrantResp.ID); err != nil {
      fmt.Println(err)
      return
   }

   /*读取leaseKeepAliveRespChan*/
   go func() {
      for {
         select {
         case leaseKeepAliveResp = <-leaseKeepAliveRespChan:
            if leaseKeepAliveResp == nil { //说明租约已经终止，可能是故障导致客户端与服务器失联了，或者我们主动让其释放的
               fmt.Println("租约失效")
               goto END
            } else {
               fmt.Println("收到续租响应", leaseKeepAliveResp.ID)
            }
         }
      }
   END:
   }()

   //用lease实现分布式锁，如果程序正常运行，谁抢到了key就等于抢到了锁，在持有锁的时候锁不应该过期，则需要延续租期，直到主动释放
   //并且如果程序宕掉了，锁也不会永远留在etcd，没有程序续租自然就自动过期了

   /*关联租约：put的kv与lease关联，等于为kv设置了过期时间，通过WithLease(leaseId)实现*/
   kv = clientv3.NewKV(client)
   if putResp, err = kv.Put(context.TODO(), "/cron/lock/job1", "", clientv3.WithLease(leaseGrantResp.ID)); err != nil {
      fmt.Println(err)
      return
   }
   fmt.Println("写入成功", putResp.Header.Revision)
}
